import { IsString, MaxLength, MinLength } from 'class-validator';

export class ChangePasswordDto {
  @IsString()
  @MinLength(1, { message: '現在のパスワードを入力してください。' })
  @MaxLength(1024, { message: '現在のパスワードが正しくありません。' })
  currentPassword!: string;

  @IsString()
  @MinLength(1, { message: '新しいパスワードを入力してください。' })
  @MaxLength(1024, { message: 'パスワードは256文字以内にしてください。' })
  newPassword!: string;

  @IsString()
  @MinLength(1, { message: '確認のため、新しいパスワードをもう一度入力してください。' })
  @MaxLength(1024, { message: '確認用のパスワードが一致しません。' })
  newPasswordConfirm!: string;
}
