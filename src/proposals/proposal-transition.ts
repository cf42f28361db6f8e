import { EntityManager } from 'typeorm';
import { ConflictError, ForbiddenError } from '../common/errors';
import { Proposal } from './proposal.entity';
import { ProposalHistoryEntry } from './proposal-history.entity';
import { Actor, nextStatus, ProposalAction, ProposalStatus, refusalReason, STATUS_LABELS } from './proposal-state-machine';

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

/**
 * Applies one step of the state machine as a compare-and-set on status and version, and writes the
 * history row, in the caller's transaction. Zero rows changed means someone acted first: the caller's
 * transaction is rolled back by the thrown StaleProposalError, so nothing is half-done.
 */
export async function applyTransition(manager: EntityManager, request: TransitionRequest): Promise<ProposalStatus> {
  const { proposal, action } = request;
  // A stale page is reported as such first: the person needs to see what changed, not a refusal.
  if (request.expectedVersion !== proposal.version) throw new StaleProposalError(proposal.id, proposal.status);
  const actor = request.actors.find((a) => nextStatus(proposal.status, action, a) !== null);
  if (!actor) throw new ActionNotAllowedError(refusalReason(proposal.status, action, request.actors), proposal.id);
  const to = nextStatus(proposal.status, action, actor)!;

  const result = await manager
    .createQueryBuilder()
    .update(Proposal)
    .set({ ...request.changes, status: to, version: () => 'version + 1', updatedAt: new Date() })
    .where('id = :id AND status = :from AND version = :version', {
      id: proposal.id,
      from: proposal.status,
      version: request.expectedVersion,
    })
    .execute();
  if (result.affected !== 1) {
    const current = await manager.getRepository(Proposal).findOneOrFail({ where: { id: proposal.id } });
    throw new StaleProposalError(proposal.id, current.status);
  }

  await manager.getRepository(ProposalHistoryEntry).insert({
    proposalId: proposal.id,
    actorId: request.actorId,
    action,
    fromStatus: proposal.status,
    toStatus: to,
    detail: request.detail ?? null,
    comment: request.comment?.trim() ? request.comment.trim() : null,
  });
  return to;
}
