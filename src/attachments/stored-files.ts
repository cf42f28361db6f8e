import type { Response } from 'express';
import { createHash } from 'node:crypto';
import { EntityManager, EntityTarget, FindOptionsWhere } from 'typeorm';
import { FormValidationException } from '../common/forms';
import type { CheckedAttachment } from './attachment-files';
import { contentDisposition } from './file-type';
import type { StoredFile } from './stored-file.entity';

/**
 * Stores checked files (see checkAttachmentFiles) for an owner other than a proposal — a themed call, a
 * カイゼン report — inside the caller's transaction. `owner` is the owner column as a property
 * (`{ callId: 3 }`); at most `limit` files per owner: beyond that nothing is stored and `field` is refused
 * with `tooMany(room)`.
 */
export async function storeOwnedFiles<T extends StoredFile>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  target: { owner: Partial<T>; uploadedBy: number; limit: number; field: string; tooMany: (room: number) => string },
  files: readonly CheckedAttachment[],
): Promise<number[]> {
  if (!files.length) return [];
  const repo = manager.getRepository(entity);
  const room = target.limit - (await repo.count({ where: target.owner as FindOptionsWhere<T> }));
  if (files.length > room) throw FormValidationException.field(target.field, target.tooMany(Math.max(0, room)));
  const ids: number[] = [];
  for (const file of files) {
    const row = {
      ...target.owner,
      fileName: file.fileName,
      mediaType: file.mediaType,
      size: file.content.length,
      sha256: createHash('sha256').update(file.content).digest('hex'),
      content: file.content,
      uploadedBy: target.uploadedBy,
    };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeORM's insert type cannot follow a generic entity
    const inserted = await repo.insert(row as any);
    ids.push(inserted.identifiers[0].id as number);
  }
  return ids;
}

/** Sends a stored file as a download: never shown inline, and should a browser try anyway, it runs nothing. */
export function sendStoredFile(res: Response, file: { mediaType: string; content: Buffer }, fileName: string): void {
  res.set({
    'Content-Type': file.mediaType,
    'Content-Disposition': contentDisposition(fileName),
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; sandbox",
  });
  res.send(file.content);
}
