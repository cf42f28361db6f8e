import { IsInt, Max, Min } from 'class-validator';
import { ToOptionalWholeNumber } from '../../common/forms';

export class SettingsDto {
  @ToOptionalWholeNumber()
  @IsInt({ message: '回答期限の標準日数を1〜365の整数で入力してください。' })
  @Min(1, { message: '回答期限の標準日数を1〜365の整数で入力してください。' })
  @Max(365, { message: '回答期限の標準日数を1〜365の整数で入力してください。' })
  opinionDueDays!: number;
}
