import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ConflictError } from '../common/errors';
import { DbService } from '../database/db.service';
import { TaskKeys } from '../notifications/notification-events';
import { NotificationsService } from '../notifications/notifications.service';
import { User } from '../users/user.entity';
import { isInvited } from './proposal-access';
import { ProposalCoproposer } from './proposal-coproposer.entity';
import { Proposal } from './proposal.entity';
import { ProposalRepository } from './proposal.repository';

/**
 * 共同提案への招待: a colleague the proposer named answers for themselves. Accepting makes them a
 * co-proposer (an author: listed on the proposal, told of its progress, counted among their proposals);
 * declining takes them off it, and a co-proposer may leave the same way later. Both are kept in the
 * history and told to the proposer.
 */
@Injectable()
export class CoproposalService {
  constructor(
    private readonly db: DbService,
    private readonly repository: ProposalRepository,
    private readonly notifications: NotificationsService,
  ) {}

  async accept(user: User, id: number): Promise<void> {
    await this.db.transaction(async (manager) => {
      const { proposal, facts } = await this.repository.getVisible(user, id, manager);
      if (facts.coproposerIds.includes(user.id)) return; // accepted already (a second click)
      if (!isInvited(user, facts)) throw this.notInvited(proposal);
      if (proposal.status === 'withdrawn') throw new ConflictError('この提案は取り下げられたため、共同提案者として参加することはできません。');
      const changed = await manager.getRepository(ProposalCoproposer).update({ proposalId: id, userId: user.id, status: 'invited' }, { status: 'accepted' });
      if (!changed.affected) throw this.notInvited(proposal);
      await this.record(
        manager,
        user,
        proposal,
        `${user.name}さんが共同提案者として参加`,
        `${user.name}さんが、提案「${proposal.title}」の共同提案者として参加しました。`,
      );
    });
  }

  async decline(user: User, id: number): Promise<void> {
    await this.db.transaction(async (manager) => {
      const { proposal, facts } = await this.repository.getVisible(user, id, manager);
      const wasCoproposer = facts.coproposerIds.includes(user.id);
      if (!wasCoproposer && !isInvited(user, facts)) throw this.notInvited(proposal);
      await manager.getRepository(ProposalCoproposer).delete({ proposalId: id, userId: user.id });
      const what = wasCoproposer ? '共同提案者から外れました' : '共同提案者への招待を辞退しました';
      await this.record(manager, user, proposal, `${user.name}さんが${what}`, `${user.name}さんが、提案「${proposal.title}」の${what}。`);
    });
  }

  /** The history row, the invitation resolved, and the proposer told. */
  private async record(manager: EntityManager, user: User, proposal: Proposal, detail: string, message: string): Promise<void> {
    await this.repository.addHistory(manager, { proposal, actorId: user.id, action: 'coproposal', detail });
    await this.notifications.resolveTask(manager, proposal.id, TaskKeys.coproposal(user.id), { by: user.id });
    await this.notifications.notify(manager, { userIds: [proposal.proposerId], proposalId: proposal.id, kind: 'status', message });
  }

  private notInvited(proposal: Proposal): ConflictError {
    const error = new ConflictError('この提案への共同提案の招待はありません（提案者が取り消したか、すでに回答済みです）。');
    error.link = { href: `/proposals/${proposal.id}`, label: '提案に戻る' };
    return error;
  }
}
