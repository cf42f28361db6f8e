import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import {
  CategoryToSubmit,
  Checkbox,
  EmptyToNull,
  MaxChars,
  RequiredToSubmit,
  SingleLine,
  ToOptionalInt,
  ToOptionalWholeNumber,
  Trim,
} from '../../common/forms';

export const TEXT_MAX = 4000;
export const TITLE_MAX = 100;

/**
 * The proposal form (new and edit). A draft may be incomplete; submitting needs every part, and every
 * missing part is reported at once (the rules are here, not in the service, so one refusal says it all).
 */
export class ProposalFormDto {
  /** Which button: 下書き保存 or 提出. */
  @IsIn(['draft', 'submit'], { message: '「下書き保存」か「提出」を押してください。' })
  intent!: 'draft' | 'submit';

  @Trim()
  @IsString()
  @MinLength(1, { message: '件名を入力してください。' })
  @MaxChars(TITLE_MAX, { message: `件名は${TITLE_MAX}文字以内で入力してください。` })
  @SingleLine({ message: '件名に改行は入力できません。1行で入力してください。' })
  title!: string;

  @ToOptionalInt()
  @CategoryToSubmit()
  categoryId!: number | null;

  @Trim()
  @IsString()
  @RequiredToSubmit('現状・課題を入力してください。')
  @MaxLength(TEXT_MAX, { message: `現状・課題は${TEXT_MAX}文字以内で入力してください。` })
  currentProblem!: string;

  @Trim()
  @IsString()
  @RequiredToSubmit('提案内容を入力してください。')
  @MaxLength(TEXT_MAX, { message: `提案内容は${TEXT_MAX}文字以内で入力してください。` })
  proposalText!: string;

  @Trim()
  @IsString()
  @RequiredToSubmit('期待される効果を入力してください。')
  @MaxLength(TEXT_MAX, { message: `期待される効果は${TEXT_MAX}文字以内で入力してください。` })
  expectedEffect!: string;

  @ToOptionalWholeNumber()
  @IsOptional()
  @IsInt({ message: '削減時間は0以上の整数（時間）で入力してください。' })
  @Min(0, { message: '削減時間は0以上の整数（時間）で入力してください。' })
  @Max(10_000_000, { message: '削減時間が大きすぎます。' })
  estimatedHours!: number | null;

  @ToOptionalWholeNumber()
  @IsOptional()
  @IsInt({ message: '削減額は0以上の整数（円）で入力してください。' })
  @Min(0, { message: '削減額は0以上の整数（円）で入力してください。' })
  @Max(1_000_000_000_000, { message: '削減額が大きすぎます。' })
  estimatedYen!: number | null;

  /** Co-proposers as typed: login IDs or names separated by commas, spaces or 、. */
  @EmptyToNull()
  @IsOptional()
  @IsString()
  @MaxLength(1000, { message: '共同提案者の入力が長すぎます。' })
  @SingleLine({ message: '共同提案者は改行せず、「、」か「,」で区切って入力してください。' })
  coproposers!: string | null;

  /** One-time key of a new-proposal form, so sending it twice creates one proposal. */
  @EmptyToNull()
  @IsOptional()
  @Matches(/^[0-9a-f-]{36}$/, { message: '画面を開き直してからもう一度お試しください。' })
  formKey!: string | null;

  /** The themed call the new proposal answers (課題提案); fixed by the form, ignored on edit. */
  @ToOptionalInt()
  @IsOptional()
  @IsInt({ message: 'テーマ募集を選び直してください。' })
  callId!: number | null;

  /** On the edit form of a draft whose call has ended: make it a 自由提案 instead. */
  @Checkbox()
  @IsBoolean()
  detachCall: boolean = false;

  /** The version the person was editing (edit form only). */
  @ToOptionalInt()
  @IsOptional()
  @IsInt()
  version!: number | null;
}
