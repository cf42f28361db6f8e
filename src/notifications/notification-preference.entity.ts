import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { MailDelivery, NotificationEvent } from './notification-events';

/** A user's choice of e-mail for one event type; no row means the event's default. */
@Entity('notification_preferences')
export class NotificationPreference {
  @PrimaryColumn({ name: 'user_id', type: 'integer' })
  userId!: number;

  @PrimaryColumn({ type: 'varchar', length: 40 })
  event!: NotificationEvent;

  @Column({ type: 'varchar', length: 20 })
  delivery!: MailDelivery;
}
