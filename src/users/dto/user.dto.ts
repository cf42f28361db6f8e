import { Transform } from 'class-transformer';
import { ArrayMinSize, IsEmail, IsIn, IsInt, IsOptional, Matches, MinLength } from 'class-validator';
import { normalizeLogin } from '../../auth/password';
import { Confirmed, EmptyToNull, MaxChars, SingleLine, ToArray, ToOptionalInt, Trim } from '../../common/forms';
import { Role, ROLES } from '../roles';

export class UpdateUserDto {
  @Trim()
  @MinLength(1, { message: '氏名を入力してください。' })
  @MaxChars(100, { message: '氏名は100文字以内で入力してください。' })
  @SingleLine({ message: '氏名に改行は入力できません。1行で入力してください。' })
  name!: string;

  @EmptyToNull()
  @IsOptional()
  @MaxChars(254, { message: 'メールアドレスが長すぎます。' })
  @IsEmail({}, { message: 'メールアドレスの形式が正しくありません。' })
  email!: string | null;

  @ToOptionalInt()
  @IsOptional()
  @IsInt({ message: '所属を選び直してください。' })
  divisionId!: number | null;

  /** No box ticked sends nothing at all: the default keeps that an empty choice, not a missing field. */
  @ToArray()
  @ArrayMinSize(1, { message: '役割を1つ以上選んでください。' })
  @IsIn(ROLES, { each: true, message: '役割を選び直してください。' })
  roles: Role[] = [];
}

export class CreateUserDto extends UpdateUserDto {
  @Transform(({ value }) => (typeof value === 'string' ? normalizeLogin(value) : value))
  @Matches(/^[a-z0-9][a-z0-9._-]{2,63}$/, {
    message: 'ログインIDは半角英数字（. _ - も可）3〜64文字で、英数字で始めてください。',
  })
  login!: string;
}

/** Disabling an account signs the person out everywhere at once. */
export class DisableUserDto {
  @Confirmed('無効にするには「このアカウントを無効にします」にチェックを入れてください。')
  confirm!: boolean;
}
