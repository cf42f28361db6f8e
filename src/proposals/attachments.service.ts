import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { NotFoundError } from '../common/errors';
import { FormValidationException } from '../common/forms';
import { formatJstDateTime } from '../common/jst';
import { DbService } from '../database/db.service';
import { User } from '../users/user.entity';
import { Attachment } from './attachment.entity';
import { ACCEPTED_KINDS_TEXT, baseFileName, cleanFileName, detectFileKind, formatFileSize, mediaTypeLabel } from './file-type';
import { Viewer } from './proposal-access';
import { Actor, ProposalStatus, STATUS_LABELS } from './proposal-state-machine';
import { ActionNotAllowedError } from './proposal-transition';
import { Proposal } from './proposal.entity';
import { ProposalsService } from './proposals.service';

export const ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;
export const ATTACHMENTS_PER_PROPOSAL = 5;

/** What people read when an upload is refused. The form field is `file`. */
export const ATTACHMENT_MESSAGES = {
  missing: '添付するファイルを選んでください。',
  empty: '選んだファイルは空（0バイト）です。内容のあるファイルを選んでください。',
  tooLarge: `ファイルの大きさは1件あたり${ATTACHMENT_MAX_BYTES / 1024 / 1024}MBまでです。ファイルを小さくしてから（PDFにする、画像を縮小するなど）もう一度添付してください。`,
  tooMany: `添付ファイルは1件の提案につき${ATTACHMENTS_PER_PROPOSAL}件までです。追加するには、不要なファイルを削除してください。`,
  badUpload: 'ファイルを受け付けられませんでした。ファイルを1つ選んで、もう一度添付してください。',
  wrongKind: (name: string) =>
    `「${name}」は添付できない形式です。添付できるのは ${ACCEPTED_KINDS_TEXT} のファイルです（ファイル名ではなく中身で判定しています）。`,
} as const;

/** The parts of a multer file this service reads. */
export interface UploadedAttachment {
  originalname: string;
  buffer: Buffer;
  size: number;
}

/**
 * Attachments are part of what the proposer writes: they may be added or removed by the proposer
 * (not co-proposers) while the proposal is theirs to edit, that is 下書き or 差戻し.
 */
export function canChangeAttachments(actors: readonly Actor[], status: ProposalStatus): boolean {
  return actors.includes('proposer') && (status === 'draft' || status === 'returned');
}

/**
 * Files attached to proposals, kept in the database (so every app instance serves them and a backup
 * holds everything). Their kind is decided from the content. Adding and removing write no history:
 * history rows are for status steps.
 */
@Injectable()
export class AttachmentsService {
  constructor(
    private readonly db: DbService,
    private readonly proposals: ProposalsService,
  ) {}

  /** The attachments of a proposal, without their content. Callers have checked visibility. */
  list(proposalId: number): Promise<Attachment[]> {
    return this.db.dataSource.getRepository(Attachment).find({ where: { proposalId }, order: { id: 'ASC' } });
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
    await this.proposals.getVisible(viewer, proposalId);
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
      if (file.size === 0 || file.buffer.length === 0) throw FormValidationException.field('file', ATTACHMENT_MESSAGES.empty);
      if (file.buffer.length > ATTACHMENT_MAX_BYTES) throw new FormValidationException({ file: [ATTACHMENT_MESSAGES.tooLarge] }, 413);
      const kind = detectFileKind(file.buffer);
      if (!kind) throw FormValidationException.field('file', ATTACHMENT_MESSAGES.wrongKind(baseFileName(file.originalname) || 'ファイル'));

      const repo = manager.getRepository(Attachment);
      if ((await repo.count({ where: { proposalId } })) >= ATTACHMENTS_PER_PROPOSAL) {
        throw FormValidationException.field('file', ATTACHMENT_MESSAGES.tooMany);
      }
      const inserted = await repo.insert({
        proposalId,
        fileName: cleanFileName(file.originalname, kind),
        mediaType: kind.mediaType,
        size: file.buffer.length,
        sha256: createHash('sha256').update(file.buffer).digest('hex'),
        content: file.buffer,
        uploadedBy: user.id,
      });
      return repo.findOneOrFail({ where: { id: inserted.identifiers[0].id as number } });
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
    if (lock && !this.db.isSqlite) {
      await manager
        .getRepository(Proposal)
        .createQueryBuilder('p')
        .setLock('pessimistic_write')
        .where('p.id = :proposalId', { proposalId })
        .getOne();
    }
    const { proposal, actors } = await this.proposals.getVisible(user, proposalId, manager);
    if (canChangeAttachments(actors, proposal.status)) return;
    throw new ActionNotAllowedError(
      actors.includes('proposer')
        ? `この提案は現在「${STATUS_LABELS[proposal.status]}」のため、添付ファイルを追加・削除できません。添付ファイルを変更できるのは下書きと差戻しの間だけです。`
        : '添付ファイルを追加・削除できるのは提案者だけです。',
      proposalId,
    );
  }
}
