import { LoginFailure } from '../auth/login-failure.entity';
import { SessionRecord } from '../auth/session-record.entity';
import { NotificationDigest } from '../notifications/notification-digest.entity';
import { NotificationPreference } from '../notifications/notification-preference.entity';
import { Notification } from '../notifications/notification.entity';
import { OutboxMail } from '../notifications/outbox-mail.entity';
import { Category } from '../organization/category.entity';
import { Division } from '../organization/division.entity';
import { Attachment } from '../attachments/attachment.entity';
import { ProposalCoproposer } from '../proposals/proposal-coproposer.entity';
import { ProposalHistoryEntry } from '../proposals/proposal-history.entity';
import { ProposalNumberSequence } from '../proposals/proposal-number-sequence.entity';
import { Proposal } from '../proposals/proposal.entity';
import { Routing } from '../proposals/routing.entity';
import { Setting } from '../settings/setting.entity';
import { User } from '../users/user.entity';
import { JUDGING_ENTITIES } from '../judging/judging.entities';
import { AWARD_ENTITIES } from '../awards/award.entities';
import { CALL_ENTITIES } from '../calls/call.entities';
import { KAIZEN_ENTITIES } from '../kaizen/kaizen.entities';
import { DivisionStaffCount } from '../participation/division-staff-count.entity';

export const entities = [
  Division,
  User,
  Category,
  SessionRecord,
  LoginFailure,
  Proposal,
  ProposalCoproposer,
  Routing,
  ProposalHistoryEntry,
  ProposalNumberSequence,
  Attachment,
  Notification,
  NotificationPreference,
  NotificationDigest,
  OutboxMail,
  Setting,
  ...JUDGING_ENTITIES,
  ...AWARD_ENTITIES,
  ...CALL_ENTITIES,
  ...KAIZEN_ENTITIES,
  DivisionStaffCount,
];
