import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { NotFoundError } from '../common/errors';
import { FormValidationException } from '../common/forms';
import { formatJstDateTime } from '../common/jst';
import { DbService } from '../database/db.service';
import { User } from '../users/user.entity';
import { Attachment } from './attachment.entity';
import {
  ATTACHMENT_MAX_BYTES,
  ATTACHMENT_MESSAGES,
  ATTACHMENTS_PER_PROPOSAL,
  canChangeAttachments,
  checkAttachmentFiles,
  storeAttachments,
  UploadedAttachment,
} from './attachment-files';
import { formatFileSize, mediaTypeLabel } from './file-type';
import { Viewer } from '../proposals/proposal-access';
import { STATUS_LABELS } from '../proposals/proposal-state-machine';
import { ActionNotAllowedError } from '../proposals/proposal-transition';
import { ProposalRepository } from '../proposals/proposal.repository';

// The rules live in attachment-files.ts (shared with the proposal form); re-exported for existing callers.
export { ATTACHMENT_MAX_BYTES, ATTACHMENT_MESSAGES, ATTACHMENTS_PER_PROPOSAL, canChangeAttachments };
export type { UploadedAttachment };

/**
 * Files attached to proposals, kept in the database (so every app instance serves them and a backup
 * holds everything). Their kind is decided from the content. Adding and removing write no history:
 * history rows are for status steps.
 */
@Injectable()
export class AttachmentsService {
  constructor(
    private readonly db: DbService,
    private readonly repository: ProposalRepository,
  ) {}

  /** The attachments of a proposal, without their content. Callers have checked visibility. */
  list(proposalId: number): Promise<Attachment[]> {
    return this.db.dataSource.getRepository(Attachment).find({ where: { proposalId }, order: { id: 'ASC' } });
  }

  /**
   * How many more files the proposal has room for. Only sizes the proposal form's upload limit before the
   * body is read; the save checks again, and says nothing to a user who may not edit the proposal.
   */
  async room(proposalId: number): Promise<number> {
    const attached = await this.db.dataSource.getRepository(Attachment).count({ where: { proposalId } });
    return Math.max(0, ATTACHMENTS_PER_PROPOSAL - attached);
  }

  /** What the proposal page shows about attachments. */
  async pageData(proposalId: number) {
    const attachments = await this.list(proposalId);
    return {
      attachments: attachments.map((a) => ({
        id: a.id,
        fileName: a.fileName,
        typeLabel: mediaTypeLabel(a.mediaType),
        sizeLabel: formatFileSize(a.size),
        uploadedAt: formatJstDateTime(a.createdAt),
      })),
      attachmentLimit: ATTACHMENTS_PER_PROPOSAL,
      attachmentsRemaining: Math.max(0, ATTACHMENTS_PER_PROPOSAL - attachments.length),
    };
  }

  /** An attachment with its content, for a user who may see the proposal; otherwise NotFoundError. */
  async download(viewer: Viewer, proposalId: number, attachmentId: number): Promise<Attachment> {
    await this.repository.getVisible(viewer, proposalId);
    const attachment = await this.db.dataSource
      .getRepository(Attachment)
      .createQueryBuilder('a')
      .addSelect('a.content')
      .where('a.id = :attachmentId AND a.proposal_id = :proposalId', { attachmentId, proposalId })
      .getOne();
    if (!attachment) throw new NotFoundError();
    return attachment;
  }

  /**
   * Refuses (NotFoundError / ActionNotAllowedError) unless this user may change the attachments now.
   * Used before a refused upload is answered, so that the answer does not reveal a proposal the user
   * may not see.
   */
  async assertMayChange(user: User, proposalId: number): Promise<void> {
    await this.checkMayChange(this.db.dataSource.manager, user, proposalId);
  }

  async add(user: User, proposalId: number, file: UploadedAttachment | undefined): Promise<Attachment> {
    return this.db.transaction(async (manager) => {
      await this.checkMayChange(manager, user, proposalId, true);
      if (!file) throw FormValidationException.field('file', ATTACHMENT_MESSAGES.missing);
      const { accepted, problems, tooLarge } = checkAttachmentFiles([file]);
      if (problems.length) throw new FormValidationException({ file: problems }, tooLarge ? 413 : 422);
      const [id] = await storeAttachments(manager, { proposalId, uploadedBy: user.id, field: 'file', tooMany: () => ATTACHMENT_MESSAGES.tooMany }, accepted);
      const repo = manager.getRepository(Attachment);
      return repo.findOneOrFail({ where: { id } });
    });
  }

  async remove(user: User, proposalId: number, attachmentId: number): Promise<Attachment> {
    return this.db.transaction(async (manager) => {
      await this.checkMayChange(manager, user, proposalId, true);
      const repo = manager.getRepository(Attachment);
      const attachment = await repo.findOne({ where: { id: attachmentId, proposalId } });
      if (!attachment) throw new NotFoundError();
      await repo.delete({ id: attachmentId, proposalId });
      return attachment;
    });
  }

  /**
   * Inside a change, the proposal row is locked first (PostgreSQL; SQLite runs one write at a time
   * anyway), so a submission, or another upload counting towards the limit, waits until this one is
   * done instead of slipping between the check and the insert.
   */
  private async checkMayChange(manager: EntityManager, user: User, proposalId: number, lock = false): Promise<void> {
    if (lock) await this.repository.lockRow(manager, proposalId);
    const { proposal, actors } = await this.repository.getVisible(user, proposalId, manager);
    if (canChangeAttachments(actors, proposal.status)) return;
    throw new ActionNotAllowedError(
      actors.includes('proposer')
        ? `この提案は現在「${STATUS_LABELS[proposal.status]}」のため、添付ファイルを追加・削除できません。添付ファイルを変更できるのは下書きと差戻しの間だけです。`
        : '添付ファイルを追加・削除できるのは提案者だけです。',
      proposalId,
    );
  }
}
