import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DbService } from '../database/db.service';
import { Setting } from './setting.entity';

export const DEFAULT_OPINION_DUE_DAYS = 30;

@Injectable()
export class SettingsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly db: DbService,
  ) {}

  /** Days from routing to the opinion due date (回答期限), 30 unless the office changed it. */
  async opinionDueDays(): Promise<number> {
    const row = await this.dataSource.getRepository(Setting).findOne({ where: { key: 'opinion_due_days' } });
    const days = Number(row?.value);
    return Number.isInteger(days) && days > 0 ? days : DEFAULT_OPINION_DUE_DAYS;
  }

  async setOpinionDueDays(days: number): Promise<void> {
    await this.setText('opinion_due_days', String(days));
  }

  /** A text setting (the 賞状's signer), or `fallback` when never set. */
  async text(key: string, fallback: string): Promise<string> {
    return (await this.dataSource.getRepository(Setting).findOne({ where: { key } }))?.value ?? fallback;
  }

  async setText(key: string, value: string): Promise<void> {
    await this.db.write((manager) => manager.createQueryBuilder().insert().into(Setting).values({ key, value }).orUpdate(['value'], ['key']).execute());
  }
}
