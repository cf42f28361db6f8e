import { Injectable } from '@nestjs/common';
import { Brackets, EntityManager, In, SelectQueryBuilder } from 'typeorm';
import { DbService } from '../database/db.service';
import { Category } from '../organization/category.entity';
import { Division } from '../organization/division.entity';
import { User } from '../users/user.entity';
import { hasRoleWhere } from '../users/users.repository';
import { KaizenAttachment, KaizenHistoryEntry, KaizenMember, KaizenReport, KaizenStatus } from './kaizen.entities';
import { kaizenSequence } from './kaizen-rules';

/** Serializes the numbering of カイゼン reports on PostgreSQL (SQLite writes one at a time anyway). */
const KAIZEN_NUMBER_LOCK_KEY = 1_313_000_013;

/** A person as the report pages name them. */
export interface KaizenPerson {
  id: number;
  login: string;
  name: string;
  divisionName: string | null;
}

/** The office's list: filters, and how many rows at most. */
export interface KaizenAllFilters {
  status?: KaizenStatus;
  fiscalYear?: number;
  /** Only reports whose division has no active 所属長 (other than the people on the report). */
  noHead?: boolean;
  limit: number;
}

/**
 * Every query of カイゼン reports, their members, history and files, and nothing else: the rules are
 * in KaizenService and kaizen-rules.ts.
 */
@Injectable()
export class KaizenRepository {
  constructor(private readonly db: DbService) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.db.dataSource.manager;
  }

  report(id: number, manager?: EntityManager): Promise<KaizenReport | null> {
    return this.m(manager).getRepository(KaizenReport).findOne({ where: { id } });
  }

  async memberIds(id: number, manager?: EntityManager): Promise<number[]> {
    const rows = await this.m(manager)
      .getRepository(KaizenMember)
      .find({ where: { reportId: id }, order: { userId: 'ASC' } });
    return rows.map((r) => r.userId);
  }

  /** Members of several reports at once: report id → user ids. */
  async membersOf(ids: readonly number[]): Promise<Map<number, number[]>> {
    const out = new Map<number, number[]>();
    if (!ids.length) return out;
    for (const row of await this.m()
      .getRepository(KaizenMember)
      .find({ where: { reportId: In([...ids]) }, order: { userId: 'ASC' } })) {
      out.set(row.reportId, [...(out.get(row.reportId) ?? []), row.userId]);
    }
    return out;
  }

  async people(ids: readonly number[], manager?: EntityManager): Promise<Map<number, KaizenPerson>> {
    const unique = [...new Set(ids)];
    if (!unique.length) return new Map();
    const users = await this.m(manager)
      .getRepository(User)
      .find({ where: { id: In(unique) }, relations: { division: true } });
    return new Map(users.map((u) => [u.id, { id: u.id, login: u.login, name: u.name, divisionName: u.division?.name ?? null }]));
  }

  async divisionNames(ids: readonly (number | null)[]): Promise<Map<number, string>> {
    const unique = [...new Set(ids.filter((id): id is number => id !== null))];
    if (!unique.length) return new Map();
    return new Map(
      (
        await this.m()
          .getRepository(Division)
          .find({ where: { id: In(unique) } })
      ).map((d) => [d.id, d.name]),
    );
  }

  async categoryNames(ids: readonly (number | null)[]): Promise<Map<number, string>> {
    const unique = [...new Set(ids.filter((id): id is number => id !== null))];
    if (!unique.length) return new Map();
    return new Map(
      (
        await this.m()
          .getRepository(Category)
          .find({ where: { id: In(unique) } })
      ).map((c) => [c.id, c.name]),
    );
  }

  category(id: number): Promise<Category | null> {
    return this.m().getRepository(Category).findOne({ where: { id } });
  }

  /** Active staff whose login (normalized) is this, or else whose name is this. */
  async staffByLoginOrName(entry: string): Promise<User[]> {
    const repo = this.m().getRepository(User);
    const byLogin = await repo.findOne({ where: { login: entry.normalize('NFKC').toLowerCase(), disabled: false } });
    const candidates = byLogin ? [byLogin] : await repo.find({ where: { name: entry, disabled: false } });
    return candidates.filter((c) => c.roles.includes('staff'));
  }

  /** The active 所属長 of a division, lowest id first. */
  async activeHeads(divisionId: number | null, manager?: EntityManager): Promise<User[]> {
    if (divisionId === null) return [];
    const query = this.m(manager)
      .getRepository(User)
      .createQueryBuilder('u')
      .where('u.disabled = :no AND u.division_id = :divisionId', { no: false, divisionId });
    return hasRoleWhere(query, 'u', 'head').orderBy('u.id', 'ASC').getMany();
  }

  /** Divisions (of these) that have at least one active 所属長, with the heads' ids. */
  async headsByDivision(divisionIds: readonly (number | null)[]): Promise<Map<number, number[]>> {
    const unique = [...new Set(divisionIds.filter((id): id is number => id !== null))];
    const out = new Map<number, number[]>();
    if (!unique.length) return out;
    const query = this.m().getRepository(User).createQueryBuilder('u').where('u.disabled = :no AND u.division_id IN (:...unique)', { no: false, unique });
    for (const u of await hasRoleWhere(query, 'u', 'head').orderBy('u.id', 'ASC').getMany()) out.set(u.divisionId!, [...(out.get(u.divisionId!) ?? []), u.id]);
    return out;
  }

  async users(ids: readonly number[], manager?: EntityManager): Promise<User[]> {
    if (!ids.length) return [];
    return this.m(manager)
      .getRepository(User)
      .find({ where: { id: In([...ids]), disabled: false } });
  }

  async insert(manager: EntityManager, fields: Partial<KaizenReport>): Promise<KaizenReport> {
    const repo = manager.getRepository(KaizenReport);
    const inserted = await repo.insert(fields);
    return repo.findOneOrFail({ where: { id: inserted.identifiers[0].id as number } });
  }

  /**
   * The compare-and-set: changes the row only if it is still at the version the person saw and in one of
   * the states the step starts from. False when someone else acted first.
   */
  async update(
    manager: EntityManager,
    id: number,
    expected: { version: number; from: readonly KaizenStatus[] },
    changes: Partial<KaizenReport> & { updatedAt: Date },
  ): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(KaizenReport)
      .set({ ...changes, version: () => 'version + 1' })
      .where('id = :id AND version = :version AND status IN (:...from)', { id, version: expected.version, from: [...expected.from] })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  async replaceMembers(manager: EntityManager, id: number, userIds: readonly number[]): Promise<void> {
    await manager.getRepository(KaizenMember).delete({ reportId: id });
    if (userIds.length) await manager.getRepository(KaizenMember).insert(userIds.map((userId) => ({ reportId: id, userId })));
  }

  async addHistory(manager: EntityManager, entry: Omit<KaizenHistoryEntry, 'id'>): Promise<void> {
    await manager.getRepository(KaizenHistoryEntry).insert(entry);
  }

  history(id: number): Promise<KaizenHistoryEntry[]> {
    return this.m()
      .getRepository(KaizenHistoryEntry)
      .find({ where: { reportId: id }, order: { id: 'ASC' } });
  }

  /** The most recent return (差戻し) with its comment, for the reporter's edit form. */
  lastReturn(id: number): Promise<KaizenHistoryEntry | null> {
    return this.m()
      .getRepository(KaizenHistoryEntry)
      .findOne({ where: { reportId: id, action: 'return' }, order: { id: 'DESC' } });
  }

  attachments(id: number, manager?: EntityManager): Promise<KaizenAttachment[]> {
    return this.m(manager)
      .getRepository(KaizenAttachment)
      .find({ where: { reportId: id }, order: { id: 'ASC' } });
  }

  attachmentWithContent(id: number, fileId: number): Promise<KaizenAttachment | null> {
    return this.m()
      .getRepository(KaizenAttachment)
      .createQueryBuilder('a')
      .addSelect('a.content')
      .where('a.id = :fileId AND a.report_id = :id', { fileId, id })
      .getOne();
  }

  async deleteAttachment(manager: EntityManager, id: number, fileId: number): Promise<boolean> {
    const result = await manager.getRepository(KaizenAttachment).delete({ id: fileId, reportId: id });
    return (result.affected ?? 0) === 1;
  }

  /**
   * The next sequence number of a fiscal year. Race-safe: the caller's transaction holds an advisory
   * lock for the year's numbering until it commits (PostgreSQL; SQLite runs one write at a time), and the
   * number column is unique, so two reports can never share a number. Ordered by length first, so
   * K2026-10000 follows K2026-9999.
   */
  async nextSequence(manager: EntityManager, fiscalYear: number): Promise<number> {
    await this.db.serializeOn(manager, KAIZEN_NUMBER_LOCK_KEY);
    const last = await manager
      .getRepository(KaizenReport)
      .createQueryBuilder('k')
      .select('k.number', 'number')
      .where('k.fiscal_year = :fiscalYear AND k.number IS NOT NULL', { fiscalYear })
      .orderBy('LENGTH(k.number)', 'DESC')
      .addOrderBy('k.number', 'DESC')
      .limit(1)
      .getRawOne<{ number: string }>();
    return (kaizenSequence(last?.number ?? null) ?? 0) + 1;
  }

  // --- lists (each one scoped to what its viewer may see) ---

  private reports(): SelectQueryBuilder<KaizenReport> {
    return this.m().getRepository(KaizenReport).createQueryBuilder('k');
  }

  /** The user's own reports and those naming them as a member, drafts included; newest first. */
  mine(userId: number, limit = 200): Promise<KaizenReport[]> {
    return this.reports()
      .where(
        new Brackets((w) =>
          w.where('k.reporter_id = :userId', { userId }).orWhere('k.id IN (SELECT km.report_id FROM kaizen_members km WHERE km.user_id = :userId)', { userId }),
        ),
      )
      .orderBy('k.updated_at', 'DESC')
      .addOrderBy('k.id', 'DESC')
      .limit(limit)
      .getMany();
  }

  /** Reports of the division waiting for its 所属長, not those the head is on themselves; oldest first. */
  waitingForHead(head: { id: number; divisionId: number }, limit = 200): Promise<KaizenReport[]> {
    return this.waitingForHeadQuery(head).orderBy('k.submitted_at', 'ASC').addOrderBy('k.id', 'ASC').limit(limit).getMany();
  }

  countWaitingForHead(head: { id: number; divisionId: number }): Promise<number> {
    return this.waitingForHeadQuery(head).getCount();
  }

  private waitingForHeadQuery(head: { id: number; divisionId: number }): SelectQueryBuilder<KaizenReport> {
    return this.reports()
      .where("k.status = 'submitted' AND k.reporter_division_id = :divisionId AND k.reporter_id <> :headId", { divisionId: head.divisionId, headId: head.id })
      .andWhere('k.id NOT IN (SELECT km.report_id FROM kaizen_members km WHERE km.user_id = :headId)', { headId: head.id });
  }

  countByStatus(status: KaizenStatus): Promise<number> {
    return this.reports().where('k.status = :status', { status }).getCount();
  }

  /** Every submitted report (never drafts), for the office and the administrators; newest submission first. */
  async all(filters: KaizenAllFilters): Promise<{ items: KaizenReport[]; cut: boolean }> {
    const query = this.reports().where("k.status <> 'draft'");
    if (filters.status) query.andWhere('k.status = :status', { status: filters.status });
    if (filters.fiscalYear) query.andWhere('k.fiscal_year = :fiscalYear', { fiscalYear: filters.fiscalYear });
    if (filters.noHead) {
      // no active 所属長 in the division other than the people on the report (they may not confirm it)
      const heads = hasRoleWhere(
        this.m()
          .getRepository(User)
          .createQueryBuilder('h')
          .select('1')
          .where('h.disabled = :no AND h.division_id = k.reporter_division_id AND h.id <> k.reporter_id')
          .andWhere('NOT EXISTS (SELECT 1 FROM kaizen_members km2 WHERE km2.report_id = k.id AND km2.user_id = h.id)'),
        'h',
        'head',
      );
      query.andWhere(`NOT EXISTS (${heads.getQuery()})`).setParameters({ ...heads.getParameters(), no: false });
    }
    const items = await query
      .orderBy('k.submitted_at', 'DESC')
      .addOrderBy('k.id', 'DESC')
      .limit(filters.limit + 1)
      .getMany();
    return { items: items.slice(0, filters.limit), cut: items.length > filters.limit };
  }

  /** 公開されたカイゼン事例: published reports, the most recently published first, a page at a time. */
  async published(page: number, size: number): Promise<{ items: KaizenReport[]; total: number }> {
    const query = this.reports().where("k.status = 'published'");
    const total = await query.getCount();
    const items = await query
      .orderBy('k.published_at', 'DESC')
      .addOrderBy('k.id', 'DESC')
      .offset((page - 1) * size)
      .limit(size)
      .getMany();
    return { items, total };
  }

  /** Reports of a fiscal year the office nominated for 表彰, in the order they were nominated. */
  nominated(fiscalYear: number): Promise<KaizenReport[]> {
    return this.reports()
      .where('k.fiscal_year = :fiscalYear AND k.nominated_at IS NOT NULL', { fiscalYear })
      .orderBy('k.nominated_at')
      .addOrderBy('k.id')
      .getMany();
  }

  /** The fiscal years that have submitted reports, newest first (the office's filter). */
  async fiscalYears(): Promise<number[]> {
    const rows = await this.reports()
      .select('DISTINCT k.fiscal_year', 'fy')
      .where('k.fiscal_year IS NOT NULL')
      .orderBy('fy', 'DESC')
      .getRawMany<{ fy: number | string }>();
    return rows.map((r) => Number(r.fy));
  }
}
