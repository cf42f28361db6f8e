import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength, ValidateBy } from 'class-validator';
import {
  CategoryToSubmit,
  Confirmed,
  EmptyToNull,
  IsCalendarDate,
  MaxChars,
  RequiredToSubmit,
  SingleLine,
  ToOptionalInt,
  ToOptionalWholeNumber,
  Trim,
} from '../../common/forms';
import { VersionedDto } from '../../proposals/dto/workflow.dto';
import { KAIZEN_STATUSES, KaizenStatus } from '../kaizen.entities';

export const KAIZEN_TITLE_MAX = 100;
/** A カイゼン report is short: the texts are kept to what fits a phone screen or two. */
export const KAIZEN_TEXT_MAX = 2000;
export const KAIZEN_COMMENT_MAX = 2000;

/**
 * A range for a number only: text that is no number gets IsInt's message alone, not "too large" as well.
 */
const NumberWithin = (min: number, max: number, messages: { tooSmall: string; tooLarge: string }): PropertyDecorator =>
  ValidateBy(
    { name: 'numberWithin', validator: { validate: (value) => typeof value !== 'number' || (value >= min && value <= max) } },
    { message: (args) => (typeof args.value === 'number' && args.value < min ? messages.tooSmall : messages.tooLarge) },
  );

/**
 * The カイゼン report form (new and edit). A draft needs only its title; sending it to the 所属長 needs
 * every part, and every missing part is reported at once. The effect (hours, yen or words), the date
 * not being in the future and the members are checked by the service, which knows today and the staff.
 */
export class KaizenFormDto {
  /** Which button: 下書き保存 or 所属長へ提出. */
  @IsIn(['draft', 'submit'], { message: '「下書き保存」か「所属長へ提出」を押してください。' })
  intent!: 'draft' | 'submit';

  @Trim()
  @IsString()
  @MinLength(1, { message: '件名を入力してください。' })
  @MaxChars(KAIZEN_TITLE_MAX, { message: `件名は${KAIZEN_TITLE_MAX}文字以内で入力してください。` })
  @SingleLine({ message: '件名に改行は入力できません。1行で入力してください。' })
  title!: string;

  @ToOptionalInt()
  @CategoryToSubmit()
  categoryId!: number | null;

  @Trim()
  @IsString()
  @RequiredToSubmit('改善前の状況を入力してください。')
  @MaxLength(KAIZEN_TEXT_MAX, { message: `改善前の状況は${KAIZEN_TEXT_MAX}文字以内で入力してください。` })
  problem!: string;

  @Trim()
  @IsString()
  @RequiredToSubmit('改善した内容を入力してください。')
  @MaxLength(KAIZEN_TEXT_MAX, { message: `改善した内容は${KAIZEN_TEXT_MAX}文字以内で入力してください。` })
  changeText!: string;

  @EmptyToNull()
  @RequiredToSubmit('実施日を入力してください。')
  @IsOptional()
  @IsCalendarDate({ message: '実施日を 2026-05-31 の形で入力してください。' })
  doneOn!: string | null;

  @ToOptionalWholeNumber()
  @IsOptional()
  @IsInt({ message: '削減時間は0以上の整数（時間）で入力してください。' })
  // the column is a 32-bit integer
  @NumberWithin(0, 10_000_000, { tooSmall: '削減時間は0以上の整数（時間）で入力してください。', tooLarge: '削減時間が大きすぎます。' })
  effectHours!: number | null;

  @ToOptionalWholeNumber()
  @IsOptional()
  @IsInt({ message: '削減額は0以上の整数（円）で入力してください。' })
  @NumberWithin(0, 1_000_000_000_000, { tooSmall: '削減額は0以上の整数（円）で入力してください。', tooLarge: '削減額が大きすぎます。' })
  effectYen!: number | null;

  @Trim()
  @IsString()
  @MaxLength(KAIZEN_TEXT_MAX, { message: `効果の説明は${KAIZEN_TEXT_MAX}文字以内で入力してください。` })
  effectText!: string;

  /** Team members as typed: login IDs or names separated by commas or 、. */
  @EmptyToNull()
  @IsOptional()
  @IsString()
  @MaxLength(1000, { message: 'チームのメンバーの入力が長すぎます。' })
  @SingleLine({ message: 'チームのメンバーは改行せず、「、」か「,」で区切って入力してください。' })
  members!: string | null;

  /** The version the person was editing (edit form only). */
  @ToOptionalInt()
  @IsOptional()
  @IsInt()
  version!: number | null;
}

/** 確認 by the 所属長: the version seen, nothing else. */
export class ConfirmKaizenDto extends VersionedDto {}

/** 差戻し by the 所属長: the reporter reads the comment. */
export class ReturnKaizenDto extends VersionedDto {
  @Trim()
  @IsString()
  @MinLength(1, { message: '報告者へのコメント（直してほしい点）を入力してください。' })
  @MaxLength(KAIZEN_COMMENT_MAX, { message: `報告者へのコメントは${KAIZEN_COMMENT_MAX}文字以内で入力してください。` })
  comment!: string;
}

/** 公開: irreversible, every signed-in user can then read the report. */
export class PublishKaizenDto extends VersionedDto {
  @Confirmed('公開するには「全職員に公開します」にチェックを入れてください。')
  confirm!: boolean;
}

/** 表彰に推薦: recorded, not undone here. */
export class NominateKaizenDto extends VersionedDto {
  @Confirmed('推薦するには「表彰の候補に推薦します」にチェックを入れてください。')
  confirm!: boolean;
}

export class DeleteKaizenFileDto {
  @Confirmed('削除するには確認のチェックを入れてください。')
  confirm!: boolean;
}

/** The office's list of every report: by status and fiscal year. */
export class KaizenListQueryDto {
  @EmptyToNull()
  @IsOptional()
  @IsIn(KAIZEN_STATUSES.filter((s) => s !== 'draft'), { message: '状態を選び直してください。' })
  status!: KaizenStatus | null;

  @ToOptionalInt()
  @IsOptional()
  @IsInt({ message: '年度を選び直してください。' })
  @Min(2000, { message: '年度を選び直してください。' })
  @Max(2100, { message: '年度を選び直してください。' })
  fiscalYear!: number | null;

  @EmptyToNull()
  @IsOptional()
  @IsIn(['1'], { message: '条件を選び直してください。' })
  noHead!: '1' | null;

  @ToOptionalInt()
  @IsOptional()
  @IsInt({ message: 'ページを選び直してください。' })
  @Min(1, { message: 'ページを選び直してください。' })
  page!: number | null;
}
