import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { Confirmed, EmptyToNull, IsCalendarDate, ToIntArray, ToOptionalInt, ToOptionalWholeNumber, Trim } from '../../common/forms';
import { DECISIONS, Decision, NOT_ACCEPTED_REASONS, NotAcceptedReason } from '../proposal-state-machine';
import { TEXT_MAX } from './proposal-form.dto';

/** Every action form carries the version it was shown, for the compare-and-set. */
export class VersionedDto {
  @ToOptionalInt()
  @IsInt({ message: '画面を開き直してからもう一度お試しください。' })
  version!: number;
}

export class CommentDto extends VersionedDto {
  @Trim()
  @IsOptional()
  @IsString()
  @MaxLength(TEXT_MAX, { message: `コメントは${TEXT_MAX}文字以内で入力してください。` })
  comment!: string;
}

/** 取下げ: the reason is optional, the confirmation is not. */
export class WithdrawDto extends CommentDto {
  @Confirmed('取り下げるには「この提案を取り下げます」にチェックを入れてください。')
  confirm!: boolean;
}

/** 差戻し: the proposer reads the comment and fixes the proposal. */
export class ReturnDto extends VersionedDto {
  @Trim()
  @IsString()
  @MinLength(1, { message: '提案者へのコメント（修正してほしい点）を入力してください。' })
  @MaxLength(TEXT_MAX, { message: `提案者へのコメントは${TEXT_MAX}文字以内で入力してください。` })
  comment!: string;

  @Confirmed('差し戻すには「提案者に差し戻します」にチェックを入れてください。')
  confirm!: boolean;
}

/** 受理・回付, and a later re-route. */
export class RouteDto extends CommentDto {
  @ToOptionalInt()
  @IsInt({ message: '主管課を選んでください。' })
  leadDivisionId!: number;

  @ToIntArray()
  @IsInt({ each: true, message: '関係課を選び直してください。' })
  relatedDivisionIds: number[] = [];

  @Trim()
  @IsCalendarDate({ message: '回答期限を 2025-05-31 の形で入力してください。' })
  dueOn!: string;
}

export class NotAcceptDto extends VersionedDto {
  @IsIn(NOT_ACCEPTED_REASONS, { message: '不受理の理由を選んでください。' })
  reason!: NotAcceptedReason;

  @Trim()
  @IsString()
  @MinLength(1, { message: '不受理の提案者へのコメントを入力してください。' })
  @MaxLength(TEXT_MAX, { message: `提案者へのコメントは${TEXT_MAX}文字以内で入力してください。` })
  comment!: string;

  @Confirmed('不受理とするには「不受理とし、提案者に通知します」にチェックを入れてください。')
  confirm!: boolean;
}

export class OpinionDto extends VersionedDto {
  @IsIn(DECISIONS, { message: '所管課としての意見（推奨する採否）を選んでください。' })
  outcome!: Decision;

  @Trim()
  @IsString()
  @MinLength(1, { message: '意見を入力してください。' })
  @MaxLength(TEXT_MAX, { message: `意見は${TEXT_MAX}文字以内で入力してください。` })
  opinionText!: string;
}

/** 代理入力: the office enters the opinion of one of the routed divisions. */
export class ProxyOpinionDto extends OpinionDto {
  @ToOptionalInt()
  @IsInt({ message: '意見を代理入力する課を選んでください。' })
  divisionId!: number;
}

export class DecisionDto extends VersionedDto {
  @IsIn(DECISIONS, { message: '採否を選んでください。' })
  decision!: Decision;

  @Trim()
  @IsString()
  @MinLength(1, { message: '採否の理由を入力してください。' })
  @MaxLength(TEXT_MAX, { message: `理由は${TEXT_MAX}文字以内で入力してください。` })
  reason!: string;

  @Trim()
  @IsString()
  @MinLength(1, { message: '提案者への回答を入力してください。' })
  @MaxLength(TEXT_MAX, { message: `回答は${TEXT_MAX}文字以内で入力してください。` })
  answer!: string;

  /** Required only when correcting an earlier decision. */
  @Trim()
  @IsOptional()
  @IsString()
  @MaxLength(TEXT_MAX, { message: `訂正の理由は${TEXT_MAX}文字以内で入力してください。` })
  correctionReason!: string;

  @Confirmed('決定するには「この内容で決定し、提案者に通知します」にチェックを入れてください。')
  confirm!: boolean;
}

export class ImplementationDto extends VersionedDto {
  @IsIn(['in_progress', 'implemented', 'abandoned'], { message: '実施状況を選んでください。' })
  status!: 'in_progress' | 'implemented' | 'abandoned';

  @EmptyToNull()
  @ValidateIf((o: ImplementationDto) => o.status === 'implemented')
  @IsCalendarDate({ message: '実施日を 2025-05-31 の形で入力してください。' })
  implementedOn!: string | null;

  @ToOptionalWholeNumber()
  @IsOptional()
  @IsInt({ message: '実際の削減時間は0以上の整数（時間）で入力してください。' })
  @Min(0, { message: '実際の削減時間は0以上の整数（時間）で入力してください。' })
  @Max(10_000_000, { message: '削減時間が大きすぎます。' })
  actualHours!: number | null;

  @ToOptionalWholeNumber()
  @IsOptional()
  @IsInt({ message: '実際の削減額は0以上の整数（円）で入力してください。' })
  @Min(0, { message: '実際の削減額は0以上の整数（円）で入力してください。' })
  @Max(1_000_000_000_000, { message: '削減額が大きすぎます。' })
  actualYen!: number | null;

  @Trim()
  @IsOptional()
  @IsString()
  @MaxLength(TEXT_MAX, { message: `内容は${TEXT_MAX}文字以内で入力してください。` })
  note!: string;
}

/** Deleting an attachment cannot be undone. */
export class DeleteAttachmentDto {
  @Confirmed('削除するには「このファイルを削除します」にチェックを入れてください。')
  confirm!: boolean;
}
