import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { EmptyToNull, Trim } from '../../common/forms';

export class LoginDto {
  @Trim()
  @IsString({ message: 'ログインIDを入力してください。' })
  @MinLength(1, { message: 'ログインIDを入力してください。' })
  @MaxLength(128, { message: 'ログインIDまたはパスワードが正しくありません。' })
  login!: string;

  @IsString({ message: 'パスワードを入力してください。' })
  @MinLength(1, { message: 'パスワードを入力してください。' })
  @MaxLength(1024, { message: 'ログインIDまたはパスワードが正しくありません。' })
  password!: string;

  /** Where to go after login: a local path only (checked by safeRedirectPath). */
  @EmptyToNull()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  next!: string | null;
}
