import { ConflictError, ForbiddenError } from '../common/errors';
import { Proposal } from './proposal.entity';
import { Actor, ProposalAction, ProposalStatus, STATUS_LABELS } from './proposal-state-machine';

/** Someone else changed the proposal between the page being shown and this request. */
export class StaleProposalError extends ConflictError {
  constructor(
    readonly proposalId: number,
    readonly currentStatus: ProposalStatus,
  ) {
    super(
      `ほかの人が先にこの提案を操作したため、この操作は反映されませんでした。現在の状態は「${STATUS_LABELS[currentStatus]}」です。最新の内容を確認してから、必要ならもう一度操作してください。`,
    );
    this.link = { href: `/proposals/${proposalId}`, label: '提案の現在の内容を見る' };
  }
}

/** The action does not fit the proposal's state or this person's part in it. Nothing was changed. */
export class ActionNotAllowedError extends ForbiddenError {
  constructor(
    message: string,
    readonly proposalId: number,
  ) {
    super(message);
    this.link = { href: `/proposals/${proposalId}`, label: '提案に戻る' };
  }
}

export interface TransitionRequest {
  proposal: Pick<Proposal, 'id' | 'status' | 'version'>;
  action: ProposalAction;
  /** The parts the acting user may play; the first one the table allows is used. */
  actors: readonly Actor[];
  /** The version the user saw; the change applies only if the proposal is still at it. */
  expectedVersion: number;
  actorId: number | null;
  changes?: Partial<Omit<Proposal, 'id' | 'status' | 'version'>>;
  detail?: string | null;
  comment?: string | null;
}
