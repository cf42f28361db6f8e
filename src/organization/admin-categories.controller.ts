import { Body, Controller, Get, Param, Post, Render, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Roles } from '../auth/access.decorators';
import { flash } from '../common/flash';
import { FormPage } from '../common/forms';
import { IdPipe } from '../common/id.pipe';
import { CategoryDto } from './dto/category.dto';
import { OrganizationService } from './organization.service';

@Controller('admin/categories')
@Roles('admin')
export class AdminCategoriesController {
  constructor(private readonly organization: OrganizationService) {}

  @Get()
  @Render('admin/categories/index')
  async list() {
    return { title: '提案分野の管理', categories: await this.organization.listCategories({ activeOnly: false }) };
  }

  @Get('new')
  @Render('admin/categories/form')
  newForm() {
    return { title: '提案分野の登録', isNew: true, values: { active: true, sortOrder: 0 } };
  }

  @Post()
  @FormPage('admin/categories/form', (c: AdminCategoriesController) => c.newForm())
  async create(@Body() dto: CategoryDto, @Req() req: Request, @Res() res: Response) {
    const category = await this.organization.createCategory(dto);
    flash(req, 'success', `提案分野「${category.name}」を登録しました。`);
    res.redirect(303, '/admin/categories');
  }

  @Get(':id')
  @Render('admin/categories/form')
  async editForm(@Param('id', IdPipe) id: number) {
    const category = await this.organization.getCategory(id);
    return { title: `提案分野の編集：${category.name}`, category, values: category };
  }

  editContext(req: Request): Promise<Record<string, unknown>> {
    return this.editForm(new IdPipe().transform(req.params.id as string));
  }

  @Post(':id')
  @FormPage('admin/categories/form', (c: AdminCategoriesController, req) => c.editContext(req))
  async update(@Param('id', IdPipe) id: number, @Body() dto: CategoryDto, @Req() req: Request, @Res() res: Response) {
    const category = await this.organization.updateCategory(id, dto);
    flash(req, 'success', `提案分野「${category.name}」を更新しました。`);
    res.redirect(303, '/admin/categories');
  }
}
