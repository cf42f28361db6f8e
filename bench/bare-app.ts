/**
 * The ceiling: NestJS + Express + hbs with a layout, one controller rendering a static 20-row table,
 * nothing else (no database, session, guards or security headers). Whatever the real app does per
 * request comes on top of this, so its pages are compared with it. Started by run.ts as a child
 * process; PORT from the environment.
 */
import 'reflect-metadata';
import { Controller, Get, Module, Render } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { join, resolve } from 'node:path';

const ROWS = Array.from({ length: 20 }, (_, i) => ({
  number: `2024-${String(1001 + i).padStart(4, '0')}`,
  title: ['申請書の押印廃止', '会議資料のペーパーレス化', '電子決裁への移行による決裁期間の短縮', '窓口の待ち時間の見える化'][i % 4],
  status: ['所管課検討中', '決定', '審査待ち', '受付待ち'][i % 4],
  category: ['窓口・市民サービス', '文書管理・ペーパーレス', 'デジタル活用（DX）', '庶務事務'][i % 4],
  proposer: ['山田 花子', '佐藤 健', '鈴木 一郎', '高橋 真理'][i % 4],
  division: ['市民課', '情報政策課', '改革推進課', '契約課'][i % 4],
  updatedAt: `2024/05/${String(1 + i).padStart(2, '0')} 10:00`,
}));

@Controller()
class TableController {
  @Get()
  @Render('table')
  table() {
    return { title: '提案一覧', rows: ROWS };
  }
}

@Module({ controllers: [TableController] })
class BareModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(BareModule, { logger: false });
  // from dist/bench/ back to the source folder's views
  app.setBaseViewsDir(join(resolve(__dirname, '../../bench'), 'views'));
  app.setViewEngine('hbs');
  app.set('view options', { layout: 'layout' });
  await app.listen(Number(process.env.PORT ?? 3999), '127.0.0.1');
}

void main();
