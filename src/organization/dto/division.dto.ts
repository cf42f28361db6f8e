import { IsIn, IsInt, IsOptional, Matches, Min, MinLength, ValidateIf } from 'class-validator';
import { EmptyToNull, IsCalendarDate, MaxChars, SingleLine, ToOptionalInt, Trim } from '../../common/forms';
import { DIVISION_KINDS, DivisionKind } from '../division.entity';

export class UpdateDivisionDto {
  @Trim()
  @MinLength(1, { message: '名称を入力してください。' })
  @MaxChars(100, { message: '名称は100文字以内で入力してください。' })
  @SingleLine({ message: '名称に改行は入力できません。1行で入力してください。' })
  name!: string;

  @ToOptionalInt()
  @IsOptional()
  @IsInt({ message: '上位組織を選び直してください。' })
  parentId!: number | null;

  @EmptyToNull()
  @IsOptional()
  @IsCalendarDate({ message: '廃止日は 2025-03-31 の形で入力してください。' })
  validTo!: string | null;

  @ToOptionalInt()
  @ValidateIf((_, v) => v !== null)
  @IsInt({ message: '表示順は整数で入力してください。' })
  @Min(0, { message: '表示順は0以上で入力してください。' })
  sortOrder!: number | null;
}

export class CreateDivisionDto extends UpdateDivisionDto {
  @Trim()
  @Matches(/^[A-Za-z0-9_-]{1,20}$/, { message: 'コードは半角英数字（- と _ も可）20文字以内で入力してください。' })
  code!: string;

  @IsIn(DIVISION_KINDS, { message: '種別を選んでください。' })
  kind!: DivisionKind;

  @Trim()
  @IsCalendarDate({ message: '設置日は 2025-04-01 の形で入力してください。' })
  validFrom!: string;
}
