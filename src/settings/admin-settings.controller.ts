import { Body, Controller, Get, Post, Render, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Roles } from '../auth/access.decorators';
import { flash } from '../common/flash';
import { FormPage } from '../common/forms';
import { SettingsDto } from './dto/settings.dto';
import { SettingsService } from './settings.service';

@Controller('admin/settings')
@Roles('admin')
export class AdminSettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get()
  @Render('admin/settings')
  async form() {
    return { title: '設定', values: { opinionDueDays: await this.settings.opinionDueDays() } };
  }

  @Post()
  @FormPage('admin/settings', (c: AdminSettingsController) => c.form())
  async save(@Body() dto: SettingsDto, @Req() req: Request, @Res() res: Response) {
    await this.settings.setOpinionDueDays(dto.opinionDueDays);
    flash(req, 'success', '設定を保存しました。');
    res.redirect(303, '/admin/settings');
  }
}
