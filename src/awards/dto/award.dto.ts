import { IsInt, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsCalendarDate, SingleLine, ToArray, ToOptionalInt, Trim } from '../../common/forms';

export const AWARD_REASON_MAX = 1000;
export const SIGNER_MAX = 60;

/** An award proposed for a proposal: from a round's ranking (roundId, proposalId) or by hand (number, reason). */
export class ProposeAwardDto {
  @ToOptionalInt()
  @IsInt({ message: '賞を選んでください。' })
  tierId!: number;

  @ToOptionalInt()
  @IsOptional()
  @IsInt({ message: '画面を開き直してからもう一度お試しください。' })
  proposalId?: number | null;

  @Trim()
  @IsOptional()
  @IsString()
  @MaxLength(20, { message: '提案番号を確かめてください。' })
  number?: string;

  @ToOptionalInt()
  @IsOptional()
  @IsInt({ message: '画面を開き直してからもう一度お試しください。' })
  roundId?: number | null;

  @Trim()
  @IsOptional()
  @IsString()
  @MaxLength(AWARD_REASON_MAX, { message: `理由は${AWARD_REASON_MAX}文字以内で入力してください。` })
  reason?: string;
}

export class DecideAwardDto {
  @Trim()
  @IsCalendarDate({ message: '表彰日を 2027-02-10 の形で入力してください。' })
  awardedOn!: string;
}

/** The year's tiers: parallel lists, one row per tier; a row without a name is removed. */
export class TiersDto {
  @ToArray()
  @IsString({ each: true })
  tierId: string[] = [];

  @ToArray()
  @IsString({ each: true })
  name: string[] = [];

  @ToArray()
  @IsString({ each: true })
  slots: string[] = [];

  @ToArray()
  @IsString({ each: true })
  rewardYen: string[] = [];

  @ToArray()
  @IsString({ each: true })
  rewardNote: string[] = [];
}

export class SignerDto {
  @Trim()
  @IsString()
  @MaxLength(SIGNER_MAX, { message: `署名は${SIGNER_MAX}文字以内で入力してください。` })
  @SingleLine()
  signer!: string;
}
