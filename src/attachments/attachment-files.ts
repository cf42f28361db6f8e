import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { FormValidationException } from '../common/forms';
import { Attachment } from './attachment.entity';
import { ACCEPTED_KINDS_TEXT, baseFileName, cleanFileName, detectFileKind } from './file-type';
import { Actor, ProposalStatus } from '../proposals/proposal-state-machine';

/*
 * The rules for files attached to a proposal, shared by the two ways in: the attachment form of the
 * proposal page (AttachmentsService) and the proposal form itself, whose files are saved in the same
 * transaction as the proposal (ProposalsService). Plain functions rather than a service method, because
 * AttachmentsService depends on ProposalsService and the save needs these inside its own transaction.
 */

export const ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;
export const ATTACHMENTS_PER_PROPOSAL = 5;

const MAX_MB = ATTACHMENT_MAX_BYTES / 1024 / 1024;

/** What people read when an upload is refused. */
export const ATTACHMENT_MESSAGES = {
  missing: '添付するファイルを選んでください。',
  empty: '選んだファイルは空（0バイト）です。内容のあるファイルを選んでください。',
  tooLarge: `ファイルの大きさは1件あたり${MAX_MB}MBまでです。ファイルを小さくしてから（PDFにする、画像を縮小するなど）もう一度添付してください。`,
  tooMany: `添付ファイルは1件の提案につき${ATTACHMENTS_PER_PROPOSAL}件までです。追加するには、不要なファイルを削除してください。`,
  badUpload: 'ファイルを受け付けられませんでした。ファイルを1つ選んで、もう一度添付してください。',
  wrongKind: (name: string) =>
    `「${name}」は添付できない形式です。添付できるのは ${ACCEPTED_KINDS_TEXT} のファイルです（ファイル名ではなく中身で判定しています）。`,
  emptyFile: (name: string) => `「${name}」は空（0バイト）です。内容のあるファイルを選んでください。`,
  fileTooLarge: (name: string | null) =>
    `${name ? `「${name}」は大きすぎます。` : ''}ファイルの大きさは1件あたり${MAX_MB}MBまでです。ファイルを小さくしてから（PDFにする、画像を縮小するなど）選んでください。`,
  /** The proposal form: more files chosen than the proposal has room for. */
  tooManyChosen: (chosen: number | null, room: number) =>
    `添付ファイルは1件の提案につき${ATTACHMENTS_PER_PROPOSAL}件までです。` +
    (room === 0
      ? 'この提案にはもう添付できません。追加するには、提案のページで不要なファイルを削除してください'
      : room < ATTACHMENTS_PER_PROPOSAL
        ? `この提案には、あと${room}件まで添付できます`
        : `${room}件まで選べます`) +
    (chosen === null ? '。' : `（選んだファイルは${chosen}件）。`),
  /** The proposal form: the upload could not be read at all (a tampered or broken request). */
  badFormUpload: `ファイルを受け付けられませんでした。添付できるのは1件${MAX_MB}MBまで、${ATTACHMENTS_PER_PROPOSAL}件までです。`,
  /** The proposal form: after any refusal nothing is saved, and the file input comes back empty (browsers cannot refill it). */
  reselect: (isNew: boolean, names: readonly string[]) =>
    `${isNew ? '提案' : '変更'}はまだ保存されていません。入力した文章は残っていますが、選んだファイル${names.length ? `（${names.map((n) => `「${n}」`).join('')}）` : ''}は画面に戻せないため、ファイルはもう一度選んでください。`,
} as const;

/** The parts of a multer file the checks read. */
export interface UploadedAttachment {
  originalname: string;
  buffer: Buffer;
  size: number;
}

/** A file that passed the checks, as it will be stored. */
export interface CheckedAttachment {
  fileName: string;
  mediaType: string;
  content: Buffer;
}

/** The name people know an uploaded file by (for messages). */
export const uploadedFileName = (originalname: string | null | undefined): string => baseFileName(originalname) || 'ファイル';

/**
 * Attachments are part of what the proposer writes: they may be added or removed by the proposer
 * (not co-proposers) while the proposal is theirs to edit, that is 下書き or 差戻し.
 */
export function canChangeAttachments(actors: readonly Actor[], status: ProposalStatus): boolean {
  return actors.includes('proposer') && (status === 'draft' || status === 'returned');
}

/**
 * Checks each file by its content (never its name or the browser's claim): not empty, not too large,
 * one of the accepted kinds. No I/O. Every refused file is named, so one answer lists them all.
 */
export function checkAttachmentFiles(files: readonly UploadedAttachment[]): { accepted: CheckedAttachment[]; problems: string[]; tooLarge: boolean } {
  const accepted: CheckedAttachment[] = [];
  const problems: string[] = [];
  let tooLarge = false;
  for (const file of files) {
    const name = uploadedFileName(file.originalname);
    if (file.size === 0 || file.buffer.length === 0) {
      problems.push(ATTACHMENT_MESSAGES.emptyFile(name));
    } else if (file.buffer.length > ATTACHMENT_MAX_BYTES) {
      tooLarge = true;
      problems.push(ATTACHMENT_MESSAGES.fileTooLarge(name));
    } else {
      const kind = detectFileKind(file.buffer);
      if (kind) accepted.push({ fileName: cleanFileName(file.originalname, kind), mediaType: kind.mediaType, content: file.buffer });
      else problems.push(ATTACHMENT_MESSAGES.wrongKind(name));
    }
  }
  return { accepted, problems, tooLarge };
}

/**
 * Stores checked files with a proposal, inside the caller's transaction, after the caller has made
 * sure no one else adds at the same time (the proposal row is locked or being updated). Refuses with
 * `tooMany(room)` on `field` when the proposal has no room for all of them: then none is stored.
 */
export async function storeAttachments(
  manager: EntityManager,
  target: { proposalId: number; uploadedBy: number; field: string; tooMany: (room: number) => string },
  files: readonly CheckedAttachment[],
): Promise<number[]> {
  if (!files.length) return [];
  const repo = manager.getRepository(Attachment);
  const room = ATTACHMENTS_PER_PROPOSAL - (await repo.count({ where: { proposalId: target.proposalId } }));
  if (files.length > room) throw FormValidationException.field(target.field, target.tooMany(Math.max(0, room)));
  const ids: number[] = [];
  for (const file of files) {
    const inserted = await repo.insert({
      proposalId: target.proposalId,
      fileName: file.fileName,
      mediaType: file.mediaType,
      size: file.content.length,
      sha256: createHash('sha256').update(file.content).digest('hex'),
      content: file.content,
      uploadedBy: target.uploadedBy,
    });
    ids.push(inserted.identifiers[0].id as number);
  }
  return ids;
}
