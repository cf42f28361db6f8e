import { Body, Controller, Get, Param, Post, Query, Render, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Roles } from '../auth/access.decorators';
import { flash } from '../common/flash';
import { FormPage } from '../common/forms';
import { IdPipe } from '../common/id.pipe';
import { jstDateString } from '../common/jst';
import { DIVISION_KIND_LABELS, DIVISION_KINDS } from './division.entity';
import { CreateDivisionDto, UpdateDivisionDto } from './dto/division.dto';
import { OrganizationService } from './organization.service';

@Controller('admin/divisions')
@Roles('admin')
export class AdminDivisionsController {
  constructor(private readonly organization: OrganizationService) {}

  @Get()
  @Render('admin/divisions/index')
  async list(@Query('ended') ended?: string) {
    const includeEnded = ended === '1';
    const today = jstDateString(new Date());
    const rows = await this.organization.divisionTree({ includeEnded });
    return {
      title: '組織の管理',
      includeEnded,
      rows: rows.map((row) => ({
        ...row,
        kindLabel: DIVISION_KIND_LABELS[row.division.kind],
        ended: row.division.validTo !== null && row.division.validTo < today,
      })),
    };
  }

  async formContext(): Promise<Record<string, unknown>> {
    const rows = await this.organization.divisionTree({ includeEnded: false });
    return {
      parentOptions: rows
        .filter((row) => row.division.kind !== 'section')
        .map((row) => ({ id: row.division.id, label: `${row.path}（${DIVISION_KIND_LABELS[row.division.kind]}）` })),
      kindOptions: DIVISION_KINDS.map((k) => ({ value: k, label: DIVISION_KIND_LABELS[k] })),
    };
  }

  @Get('new')
  @Render('admin/divisions/form')
  async newForm() {
    return {
      title: '組織の登録',
      isNew: true,
      values: { kind: 'section', validFrom: jstDateString(new Date()), sortOrder: 0 },
      ...(await this.formContext()),
    };
  }

  @Post()
  @FormPage('admin/divisions/form', (c: AdminDivisionsController) => c.newForm())
  async create(@Body() dto: CreateDivisionDto, @Req() req: Request, @Res() res: Response) {
    const division = await this.organization.createDivision(dto);
    flash(req, 'success', `「${division.name}」を登録しました。`);
    res.redirect(303, '/admin/divisions');
  }

  @Get(':id')
  @Render('admin/divisions/form')
  async editForm(@Param('id', IdPipe) id: number) {
    const division = await this.organization.getDivision(id);
    return {
      title: `組織の編集：${division.name}`,
      division,
      kindLabel: DIVISION_KIND_LABELS[division.kind],
      values: { name: division.name, parentId: division.parentId, validTo: division.validTo, sortOrder: division.sortOrder },
      ...(await this.formContext()),
    };
  }

  editContext(req: Request): Promise<Record<string, unknown>> {
    return this.editForm(new IdPipe().transform(req.params.id as string));
  }

  @Post(':id')
  @FormPage('admin/divisions/form', (c: AdminDivisionsController, req) => c.editContext(req))
  async update(@Param('id', IdPipe) id: number, @Body() dto: UpdateDivisionDto, @Req() req: Request, @Res() res: Response) {
    const division = await this.organization.updateDivision(id, dto);
    flash(req, 'success', `「${division.name}」を更新しました。`);
    res.redirect(303, '/admin/divisions');
  }
}
