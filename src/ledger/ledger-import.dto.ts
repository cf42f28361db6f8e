import { IsBoolean, IsOptional } from 'class-validator';
import { Checkbox } from '../common/forms';

/** The import form's two checkboxes (the file itself comes through multer). Unticked sends nothing. */
export class LedgerImportDto {
  @Checkbox()
  @IsOptional()
  @IsBoolean()
  createMissingDivisions?: boolean;

  @Checkbox()
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}
