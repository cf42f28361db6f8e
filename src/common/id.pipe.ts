import { Injectable, PipeTransform } from '@nestjs/common';
import { NotFoundError } from './errors';

/** A record id from the URL; anything that is not a positive integer is simply "not found". */
@Injectable()
export class IdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    if (!/^[1-9]\d{0,9}$/.test(value) || Number(value) > 2_147_483_647) throw new NotFoundError();
    return Number(value);
  }
}

/** A page number from the query string; anything odd means the first page. */
export function pageNumber(value: unknown): number {
  return typeof value === 'string' && /^[1-9]\d{0,5}$/.test(value) ? Number(value) : 1;
}
