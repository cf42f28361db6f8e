import { IsIn, IsOptional } from 'class-validator';
import { MAIL_DELIVERIES, MailDelivery } from '../notification-events';

const message = 'メールの受け取り方を選び直してください。';

/** One radio group per event type (NOTIFICATION_EVENTS); a group not shown to the user is not sent. */
export class NotificationPreferencesDto {
  @IsOptional() @IsIn(MAIL_DELIVERIES, { message }) screen?: MailDelivery;
  @IsOptional() @IsIn(MAIL_DELIVERIES, { message }) opinion?: MailDelivery;
  @IsOptional() @IsIn(MAIL_DELIVERIES, { message }) reminder?: MailDelivery;
  @IsOptional() @IsIn(MAIL_DELIVERIES, { message }) decide?: MailDelivery;
  @IsOptional() @IsIn(MAIL_DELIVERIES, { message }) implement?: MailDelivery;
  @IsOptional() @IsIn(MAIL_DELIVERIES, { message }) resubmit?: MailDelivery;
  @IsOptional() @IsIn(MAIL_DELIVERIES, { message }) status?: MailDelivery;
  @IsOptional() @IsIn(MAIL_DELIVERIES, { message }) news?: MailDelivery;
}
