import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Checkbox, IsCalendarDate, MaxChars, SingleLine, ToArray, ToIntArray, ToOptionalInt, Trim } from '../../common/forms';
import { VersionedDto } from '../../proposals/dto/workflow.dto';
import { DECISIONS, Decision } from '../../proposals/proposal-state-machine';

export const ROUND_NAME_MAX = 60;
export const JUDGE_COMMENT_MAX = 2000;
export const REOPEN_REASON_MAX = 1000;

/** The round's settings: name, year, scoring window, blind, trimmed mean. */
export class RoundDto {
  @Trim()
  @IsString()
  @MinLength(1, { message: '審査の名称（例：一次審査）を入力してください。' })
  @MaxChars(ROUND_NAME_MAX, { message: `審査の名称は${ROUND_NAME_MAX}文字以内で入力してください。` })
  @SingleLine()
  name!: string;

  @ToOptionalInt()
  @IsInt({ message: '年度を 2026 のように入力してください。' })
  @Min(2000, { message: '年度を 2026 のように入力してください。' })
  @Max(2100, { message: '年度を 2026 のように入力してください。' })
  fiscalYear!: number;

  @Trim()
  @IsCalendarDate({ message: '採点の開始日を 2026-12-01 の形で入力してください。' })
  opensOn!: string;

  @Trim()
  @IsCalendarDate({ message: '採点の締切日を 2026-12-15 の形で入力してください。' })
  closesOn!: string;

  @Checkbox()
  @IsBoolean()
  blind: boolean = false;

  @Checkbox()
  @IsBoolean()
  trimmed: boolean = false;
}

export class RoundSettingsDto extends RoundDto {
  @ToOptionalInt()
  @IsInt({ message: '画面を開き直してからもう一度お試しください。' })
  version!: number;
}

export const ENTRY_MODES = ['numbers', 'filter', 'top'] as const;
export type EntryMode = (typeof ENTRY_MODES)[number];

/** Which proposals enter: typed numbers, a filter on the round's year, or the top N of an earlier round. */
export class EntriesDto {
  @IsIn(ENTRY_MODES, { message: '対象の選び方を選んでください。' })
  mode!: EntryMode;

  @Trim()
  @IsOptional()
  @IsString()
  @MaxLength(5000, { message: '提案番号は5,000文字以内で入力してください。' })
  numbers?: string;

  @ToArray()
  @IsIn(DECISIONS, { each: true, message: '採否を選び直してください。' })
  decisions: Decision[] = [];

  @ToOptionalInt()
  @IsOptional()
  @IsInt({ message: '前の審査を選んでください。' })
  previousRoundId?: number | null;

  @ToOptionalInt()
  @IsOptional()
  @IsInt({ message: '上位何件かを 1〜200 の数で入力してください。' })
  @Min(1, { message: '上位何件かを 1〜200 の数で入力してください。' })
  @Max(200, { message: '上位何件かを 1〜200 の数で入力してください。' })
  topN?: number | null;
}

export class RemoveEntryDto {
  @ToOptionalInt()
  @IsInt({ message: '画面を開き直してからもう一度お試しください。' })
  proposalId!: number;
}

export class JudgesDto {
  @ToIntArray()
  @IsInt({ each: true, message: '審査員を選び直してください。' })
  judgeIds: number[] = [];

  /** Users named for this round only, by login id (they need not hold the 審査員 role). */
  @Trim()
  @IsOptional()
  @IsString()
  @MaxLength(2000, { message: 'ログインIDは2,000文字以内で入力してください。' })
  logins?: string;
}

export class ReopenDto extends VersionedDto {
  @Trim()
  @IsString()
  @MinLength(1, { message: '再開する理由を入力してください（記録に残ります）。' })
  @MaxLength(REOPEN_REASON_MAX, { message: `再開する理由は${REOPEN_REASON_MAX}文字以内で入力してください。` })
  reason!: string;

  @Trim()
  @IsCalendarDate({ message: '新しい締切日を 2026-12-15 の形で入力してください。' })
  closesOn!: string;
}

/** A new closing date for an open round, with an optional reason (both recorded). */
export class ExtendDto extends VersionedDto {
  @Trim()
  @IsCalendarDate({ message: '新しい締切日を 2026-12-15 の形で入力してください。' })
  closesOn!: string;

  @Trim()
  @IsOptional()
  @IsString()
  @MaxLength(REOPEN_REASON_MAX, { message: `理由は${REOPEN_REASON_MAX}文字以内で入力してください。` })
  reason?: string;
}

/**
 * One judge's sheet for one entry: score1 … score10 hold the score of the criterion at that position
 * ("1".."5", or "" for not scored yet); forms are parsed flat (no nested field names), and a round has
 * at most CRITERIA_MAX criteria. Checked against the round's criteria by the service.
 */
export class SheetDto {
  @IsOptional()
  @IsString()
  score1?: string;

  @IsOptional()
  @IsString()
  score2?: string;

  @IsOptional()
  @IsString()
  score3?: string;

  @IsOptional()
  @IsString()
  score4?: string;

  @IsOptional()
  @IsString()
  score5?: string;

  @IsOptional()
  @IsString()
  score6?: string;

  @IsOptional()
  @IsString()
  score7?: string;

  @IsOptional()
  @IsString()
  score8?: string;

  @IsOptional()
  @IsString()
  score9?: string;

  @IsOptional()
  @IsString()
  score10?: string;

  @Trim()
  @IsOptional()
  @IsString()
  @MaxLength(JUDGE_COMMENT_MAX, { message: `コメントは${JUDGE_COMMENT_MAX}文字以内で入力してください。` })
  comment?: string;

  /** "next": save and go to the next entry. */
  @IsOptional()
  @IsIn(['stay', 'next'])
  after?: 'stay' | 'next';
}

/** The office's criteria: parallel lists, one row per criterion; a row without a name is dropped. */
export class CriteriaDto {
  @ToArray()
  @IsString({ each: true })
  name: string[] = [];

  @ToArray()
  @IsString({ each: true })
  description: string[] = [];

  @ToArray()
  @IsString({ each: true })
  weight: string[] = [];

  @ToArray()
  @IsString({ each: true })
  scaleMax: string[] = [];
}
