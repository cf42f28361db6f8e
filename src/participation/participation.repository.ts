import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { DbService } from '../database/db.service';
import { Division } from '../organization/division.entity';
import { countedKaizenSql } from '../kaizen/kaizen-counting';
import { countedProposalSql } from '../reports/year-columns.repository';
import { User } from '../users/user.entity';
import { DivisionStaffCount } from './division-staff-count.entity';
import { Credit } from './participation-figures';

export interface EnteredStaffCount {
  divisionId: number;
  staffCount: number;
  updatedAt: Date;
  updatedByName: string | null;
}

export interface PersonRow {
  id: number;
  name: string;
  login: string;
  divisionName: string | null;
}

/** A fiscal year written into SQL: only ever a whole number (the controller checked it), never text. */
function yearLiteral(fiscalYear: number): string {
  if (!Number.isSafeInteger(fiscalYear)) throw new RangeError(`not a fiscal year: ${fiscalYear}`);
  return String(fiscalYear);
}

const counted = (fiscalYear: number, alias: string) => `${alias}.fiscal_year = ${yearLiteral(fiscalYear)} AND ${countedProposalSql(alias)}`;
/** The カイゼン lane's counting rule (src/kaizen/kaizen-counting.ts) for one fiscal year. */
const kaizenCounted = (fiscalYear: number, alias: string) => `${alias}.fiscal_year = ${yearLiteral(fiscalYear)} AND ${countedKaizenSql(alias)}`;

const toCredits = (rows: Record<string, unknown>[]): Credit[] =>
  rows.map((r) => ({ userId: Number(r.user_id), divisionId: r.division_id === null ? null : Number(r.division_id), count: Number(r.n) }));

/** Every query of the participation figures and of the staff numbers the office enters. */
@Injectable()
export class ParticipationRepository {
  constructor(private readonly db: DbService) {}

  private get manager(): EntityManager {
    return this.db.dataSource.manager;
  }

  divisions(): Promise<Division[]> {
    return this.manager.getRepository(Division).find({ order: { sortOrder: 'ASC', code: 'ASC' } });
  }

  /**
   * Staff accounts per current division that were active at some time in [start, end): holding the role 'staff',
   * created before the end, and not disabled, or disabled on or after the start (an account disabled without a
   * date counts as disabled). Division history does not exist yet, so the current division is used.
   */
  async staffAccounts(start: Date, end: Date): Promise<Map<number | null, number>> {
    const rows = await this.manager
      .createQueryBuilder()
      .select(['u.division_id AS division_id', 'COUNT(*) AS n'])
      .from('users', 'u')
      .where(`(',' || u.roles || ',') LIKE :staff`, { staff: '%,staff,%' })
      .andWhere('u.created_at < :end', { end })
      .andWhere('(u.disabled = :no OR (u.disabled_at IS NOT NULL AND u.disabled_at >= :start))', { no: false, start })
      .groupBy('u.division_id')
      .getRawMany<Record<string, unknown>>();
    return new Map(rows.map((r) => [r.division_id === null ? null : Number(r.division_id), Number(r.n)]));
  }

  /** Counted proposals per proposer's division: the same expression the year table counts with (stats-sql.ts). */
  async proposalCounts(fiscalYear: number): Promise<Map<number | null, number>> {
    const rows = await this.manager.query<Record<string, unknown>[]>(
      `SELECT p.proposer_division_id AS division_id, COUNT(*) AS n FROM proposals p WHERE ${counted(fiscalYear, 'p')} GROUP BY p.proposer_division_id`,
    );
    return new Map(rows.map((r) => [r.division_id === null ? null : Number(r.division_id), Number(r.n)]));
  }

  /**
   * Who is credited with the year's counted proposals, per division, and with how many: the proposer in the
   * proposer's division at submission, each accepted co-proposer in their current division.
   */
  async proposerCredits(fiscalYear: number): Promise<Credit[]> {
    const rows = await this.manager.query<Record<string, unknown>[]>(
      `SELECT x.user_id AS user_id, x.division_id AS division_id, COUNT(DISTINCT x.item_id) AS n FROM (
         SELECT p.proposer_id AS user_id, p.proposer_division_id AS division_id, p.id AS item_id
           FROM proposals p WHERE ${counted(fiscalYear, 'p')}
         UNION ALL
         SELECT cp.user_id AS user_id, u.division_id AS division_id, p.id AS item_id
           FROM proposal_coproposers cp
           INNER JOIN proposals p ON p.id = cp.proposal_id
           INNER JOIN users u ON u.id = cp.user_id
          WHERE cp.status = 'accepted' AND ${counted(fiscalYear, 'p')}
       ) x GROUP BY x.user_id, x.division_id`,
    );
    return toCredits(rows);
  }

  /** Who is credited with the year's counted カイゼン reports: the reporter in the reporter's division, members in their current one. */
  async reporterCredits(fiscalYear: number): Promise<Credit[]> {
    const rows = await this.manager.query<Record<string, unknown>[]>(
      `SELECT x.user_id AS user_id, x.division_id AS division_id, COUNT(DISTINCT x.item_id) AS n FROM (
         SELECT r.reporter_id AS user_id, r.reporter_division_id AS division_id, r.id AS item_id
           FROM kaizen_reports r WHERE ${kaizenCounted(fiscalYear, 'r')}
         UNION ALL
         SELECT m.user_id AS user_id, u.division_id AS division_id, r.id AS item_id
           FROM kaizen_members m
           INNER JOIN kaizen_reports r ON r.id = m.report_id
           INNER JOIN users u ON u.id = m.user_id
          WHERE ${kaizenCounted(fiscalYear, 'r')}
       ) x GROUP BY x.user_id, x.division_id`,
    );
    return toCredits(rows);
  }

  async enteredCounts(fiscalYear: number): Promise<EnteredStaffCount[]> {
    const rows = await this.manager
      .createQueryBuilder()
      .select(['c.division_id AS division_id', 'c.staff_count AS staff_count', 'c.updated_at AS updated_at', 'u.name AS updated_by_name'])
      .from(DivisionStaffCount, 'c')
      .leftJoin(User, 'u', 'u.id = c.updated_by')
      .where('c.fiscal_year = :fiscalYear', { fiscalYear })
      .getRawMany<Record<string, unknown>>();
    return rows.map((r) => ({
      divisionId: Number(r.division_id),
      staffCount: Number(r.staff_count),
      // PostgreSQL gives a Date; SQLite the UTC text TypeORM wrote
      updatedAt: r.updated_at instanceof Date ? r.updated_at : new Date(String(r.updated_at).replace(' ', 'T') + 'Z'),
      updatedByName: (r.updated_by_name as string | null) ?? null,
    }));
  }

  enteredIn(manager: EntityManager, fiscalYear: number): Promise<DivisionStaffCount[]> {
    return manager.getRepository(DivisionStaffCount).find({ where: { fiscalYear } });
  }

  async upsertEntered(
    manager: EntityManager,
    row: { fiscalYear: number; divisionId: number; staffCount: number; updatedBy: number; updatedAt: Date },
    exists: boolean,
  ) {
    const repo = manager.getRepository(DivisionStaffCount);
    if (exists)
      await repo.update(
        { fiscalYear: row.fiscalYear, divisionId: row.divisionId },
        { staffCount: row.staffCount, updatedBy: row.updatedBy, updatedAt: row.updatedAt },
      );
    else await repo.insert(row);
  }

  async deleteEntered(manager: EntityManager, fiscalYear: number, divisionId: number): Promise<void> {
    await manager.getRepository(DivisionStaffCount).delete({ fiscalYear, divisionId });
  }

  /** Names, logins and current divisions of the people a drill-down lists. */
  async people(ids: number[]): Promise<PersonRow[]> {
    if (!ids.length) return [];
    const users = await this.manager.getRepository(User).find({ where: { id: In(ids) }, relations: { division: true } });
    return users.map((u) => ({ id: u.id, name: u.name, login: u.login, divisionName: u.division?.name ?? null }));
  }
}
