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
    await this.db.write((manager) =>
      manager
        .createQueryBuilder()
        .insert()
        .into(Setting)
        .values({ key: 'opinion_due_days', value: String(days) })
        .orUpdate(['value'], ['key'])
        .execute(),
    );
  }
}
