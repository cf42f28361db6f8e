import { IsBoolean, IsInt, IsOptional, Min, MinLength, ValidateIf } from 'class-validator';
import { Checkbox, MaxChars, SingleLine, ToOptionalInt, Trim } from '../../common/forms';

export class CategoryDto {
  @Trim()
  @MinLength(1, { message: '名称を入力してください。' })
  @MaxChars(50, { message: '名称は50文字以内で入力してください。' })
  @SingleLine({ message: '名称に改行は入力できません。1行で入力してください。' })
  name!: string;

  @ToOptionalInt()
  @ValidateIf((_, v) => v !== null)
  @IsInt({ message: '表示順は整数で入力してください。' })
  @Min(0, { message: '表示順は0以上で入力してください。' })
  sortOrder!: number | null;

  /** An unticked checkbox sends nothing, so absent means false (see the service). */
  @Checkbox()
  @IsOptional()
  @IsBoolean()
  active!: boolean;
}
