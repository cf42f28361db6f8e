import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { EmptyToNull, ToOptionalInt } from '../../common/forms';
import { pageNumber } from '../../common/id.pipe';
import { PROPOSAL_STATUSES, ProposalStatus } from '../proposal-state-machine';

/**
 * The orders the proposal lists offer. Each one is served by an index (see the migration
 * ListSortIndexes), so a page of a million proposals costs the same in every order.
 */
export const LIST_SORTS = ['updated', 'number', 'title', 'status'] as const;
export type ListSort = (typeof LIST_SORTS)[number];
export const LIST_DIRS = ['asc', 'desc'] as const;
export type ListDir = (typeof LIST_DIRS)[number];

export const LIST_SORT_LABELS: Record<ListSort, string> = { updated: '更新', number: '提案番号', title: '件名', status: '状態' };
/** The direction a column sorts in when first chosen: the newest first for 更新, otherwise ascending. */
const FIRST_DIR: Record<ListSort, ListDir> = { updated: 'desc', number: 'asc', title: 'asc', status: 'asc' };
export const DEFAULT_LIST_SORT: { sort: ListSort; dir: ListDir } = { sort: 'updated', dir: 'desc' };

const KEYWORD_MAX = 100;
const SORT_MESSAGE = `並べ替えの指定が正しくありません（${LIST_SORTS.map((s) => `${s}: ${LIST_SORT_LABELS[s]}`).join('、')} のいずれかを指定してください）。`;

/** 並べ替えだけ: 自分の提案. */
export class ListSortQueryDto {
  @EmptyToNull()
  @IsOptional()
  @IsIn(LIST_SORTS, { message: SORT_MESSAGE })
  sort?: ListSort | null;

  @EmptyToNull()
  @IsOptional()
  @IsIn(LIST_DIRS, { message: '並び順は asc（昇順）か desc（降順）で指定してください。' })
  dir?: ListDir | null;
}

/**
 * The query string of 提案一覧 (and of its CSV). Only these keys are accepted (the global pipe refuses
 * others with 400); a wrong value is refused with a message that names it, except `page`, where
 * anything odd means the first page, as before.
 */
export class ProposalListQueryDto extends ListSortQueryDto {
  /** Trimmed and cut to 100 characters rather than refused: it is typed in a search box. */
  @Transform(({ value }) => {
    const text = typeof value === 'string' ? value.trim().slice(0, KEYWORD_MAX) : value;
    return text === '' ? null : text;
  })
  @IsOptional()
  @IsString({ message: 'キーワードは1つだけ指定してください。' })
  q?: string | null;

  @EmptyToNull()
  @IsOptional()
  @IsIn(PROPOSAL_STATUSES, { message: '状態の指定が正しくありません。' })
  status?: ProposalStatus | null;

  @ToOptionalInt()
  @IsOptional()
  @IsInt({ message: '年度は西暦4桁の数字で指定してください（例: 2026）。' })
  @Min(1, { message: '年度は西暦4桁の数字で指定してください（例: 2026）。' })
  @Max(9999, { message: '年度は西暦4桁の数字で指定してください（例: 2026）。' })
  fiscalYear?: number | null;

  @ToOptionalInt()
  @IsOptional()
  @IsInt({ message: '提案分野の指定が正しくありません。' })
  @Min(1, { message: '提案分野の指定が正しくありません。' })
  categoryId?: number | null;

  @ToOptionalInt()
  @IsOptional()
  @IsInt({ message: '課の指定が正しくありません。' })
  @Min(1, { message: '課の指定が正しくありません。' })
  divisionId?: number | null;

  @Transform(({ value }) => pageNumber(value))
  @IsOptional()
  @IsInt()
  page?: number;
}

/** The CSV download takes the list's filters, and the encoding (Excel's UTF-8 by default). */
export class ProposalCsvQueryDto extends ProposalListQueryDto {
  @EmptyToNull()
  @IsOptional()
  @IsIn(['utf8', 'sjis'], { message: '文字コードは utf8 か sjis を指定してください。' })
  encoding?: 'utf8' | 'sjis' | null;
}

export interface ListOrder {
  sort: ListSort;
  dir: ListDir;
}

/** The order asked for, or the default (更新の新しい順); a direction alone applies to the default column. */
export function listOrder(query: ListSortQueryDto): ListOrder {
  const sort = query.sort ?? DEFAULT_LIST_SORT.sort;
  return { sort, dir: query.dir ?? (query.sort ? FIRST_DIR[sort] : DEFAULT_LIST_SORT.dir) };
}

export interface SortHeader {
  key: ListSort;
  label: string;
  /** For aria-sort on the column header: only the sorted column has one. */
  ariaSort: 'ascending' | 'descending' | null;
  /** The query string (without "?") that sorts by this column, keeping the other filters. */
  query: string;
  /** What the link does, for screen readers and the tooltip. */
  linkLabel: string;
}

/**
 * The column headers' links: the sorted column reverses its order, another column starts in its first
 * direction; the filters stay and the page goes back to the first.
 */
export function sortHeaders(current: ListOrder, keep: Record<string, string | number | null | undefined>): Record<ListSort, SortHeader> {
  const headers = {} as Record<ListSort, SortHeader>;
  for (const key of LIST_SORTS) {
    const active = current.sort === key;
    const dir: ListDir = active ? (current.dir === 'asc' ? 'desc' : 'asc') : FIRST_DIR[key];
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(keep)) if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
    params.set('sort', key);
    params.set('dir', dir);
    headers[key] = {
      key,
      label: LIST_SORT_LABELS[key],
      ariaSort: active ? (current.dir === 'asc' ? 'ascending' : 'descending') : null,
      query: params.toString(),
      linkLabel: `${LIST_SORT_LABELS[key]}の${dir === 'asc' ? '昇順' : '降順'}に並べ替える`,
    };
  }
  return headers;
}
