import { IsBoolean, IsIn, IsInt, IsOptional, IsString, MaxLength, MinLength, ValidateBy } from 'class-validator';
import { Checkbox, Confirmed, EmptyToNull, IsCalendarDate, isCalendarDate, MaxChars, SingleLine, ToIntArray, ToOptionalInt, Trim } from '../../common/forms';
import { TEXT_MAX } from '../../proposals/dto/proposal-form.dto';
import { VersionedDto } from '../../proposals/dto/workflow.dto';
import { CALL_AUDIENCES, CallAudience } from '../call.entities';

export const CALL_TITLE_MAX = 100;
export const CALL_REASON_MAX = 1000;

/** What a call says and whether its answers are shown: set when it is opened, corrected later. */
class CallTextsDto {
  @Trim()
  @IsString()
  @MinLength(1, { message: 'テーマ（件名）を入力してください。' })
  @MaxChars(CALL_TITLE_MAX, { message: `テーマは${CALL_TITLE_MAX}文字以内で入力してください。` })
  @SingleLine({ message: 'テーマに改行は入力できません。1行で入力してください。' })
  title!: string;

  @Trim()
  @IsString()
  @MinLength(1, { message: '解決したい課題を入力してください。' })
  @MaxLength(TEXT_MAX, { message: `解決したい課題は${TEXT_MAX}文字以内で入力してください。` })
  issueText!: string;

  @Checkbox()
  @IsBoolean()
  answersPublic: boolean = false;
}

/** A new themed call: the issue, its period, who answers it, who may answer. */
export class CallDto extends CallTextsDto {
  @Trim()
  @IsCalendarDate({ message: '募集開始日を 2026-06-01 の形で入力してください。' })
  opensOn!: string;

  @Trim()
  @IsCalendarDate({ message: '締切日を 2026-06-30 の形で入力してください。' })
  @ValidateBy(
    {
      name: 'notBeforeOpening',
      validator: { validate: (value, args) => !isCalendarDate((args!.object as CallDto).opensOn) || String(value) >= (args!.object as CallDto).opensOn },
    },
    { message: '締切日は募集開始日以降の日付にしてください。' },
  )
  closesOn!: string;

  @ToOptionalInt()
  @IsInt({ message: '回答を検討する主管課を選んでください。' })
  leadDivisionId!: number;

  @ToIntArray()
  @IsInt({ each: true, message: '関係課を選び直してください。' })
  relatedDivisionIds: number[] = [];

  @ToIntArray()
  @IsInt({ each: true, message: '提案分野を選び直してください。' })
  categoryIds: number[] = [];

  @IsIn(CALL_AUDIENCES, { message: '応募できる職員を選んでください。' })
  audience!: CallAudience;

  @ToIntArray()
  @IsInt({ each: true, message: '応募できる所属を選び直してください。' })
  audienceDivisionIds: number[] = [];
}

/** 内容の修正: what the office may still change once a call exists (the divisions and audience stay as they were). */
export class EditCallDto extends CallTextsDto {
  @ToOptionalInt()
  @IsInt({ message: '画面を開き直してからもう一度お試しください。' })
  version!: number;
}

/** 締切の延長 (or re-opening a call closed early): the new closing date and why. */
export class ExtendCallDto extends VersionedDto {
  @Trim()
  @IsCalendarDate({ message: '新しい締切日を 2026-07-15 の形で入力してください。' })
  closesOn!: string;

  /** Required, but checked with the dates in the service, so one refusal names every problem. */
  @Trim()
  @IsString()
  @MaxLength(CALL_REASON_MAX, { message: `理由は${CALL_REASON_MAX}文字以内で入力してください。` })
  reason: string = '';
}

/** 募集の早期終了. */
export class CloseCallDto extends VersionedDto {
  @Trim()
  @EmptyToNull()
  @IsOptional()
  @IsString()
  @MaxLength(CALL_REASON_MAX, { message: `理由は${CALL_REASON_MAX}文字以内で入力してください。` })
  reason!: string | null;

  @Confirmed('募集を終了するには「募集を終了し、これ以降の提出を受け付けません」にチェックを入れてください。')
  confirm!: boolean;
}

/** 一括回付: every answer waiting for 受理 goes to the call's divisions, due on `dueOn`. */
export class RouteAnswersDto {
  @Trim()
  @IsCalendarDate({ message: '回答期限を 2026-07-31 の形で入力してください。' })
  dueOn!: string;

  @Confirmed('一括回付するには「受付待ちの回答をすべて受理し、回付します」にチェックを入れてください。')
  confirm!: boolean;
}
