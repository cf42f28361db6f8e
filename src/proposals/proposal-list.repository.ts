import { Injectable } from '@nestjs/common';
import { Brackets, DataSource, EntityManager, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { DbService } from '../database/db.service';
import { entityColumns } from '../database/row-hydration';
import { placeholder } from '../database/sql-placeholder';
import { Category } from '../organization/category.entity';
import { Division } from '../organization/division.entity';
import { User } from '../users/user.entity';
import { LIST_STATUS_RANK_SQL } from '../database/migrations/1764920000000-ListSortIndexes';
import { ProposalSearch } from '../search/proposal-search';
import { ListOrder } from './dto/proposal-list-query.dto';
import { BLIND_JUDGE_PARAMS, blindJudgeSql, Viewer } from './proposal-access';
import { ADOPTED_CASE_DECISIONS, ProposalStatus } from './proposal-state-machine';
import { Proposal } from './proposal.entity';
import { ProposalRepository } from './proposal.repository';

/**
 * A keyword of one or two characters has no trigram, so no index can find it: it is looked for only
 * among the newest this many proposals (by id, through the primary key), and the page says so.
 */
export const SHORT_KEYWORD_WINDOW = 5000;
export const SHORT_KEYWORD_CHARS = 2;

/** What the lists can be narrowed by. */
export interface ListFilters {
  status?: ProposalStatus;
  fiscalYear?: number;
  categoryId?: number;
  divisionId?: number;
  q?: string;
}

/**
 * A list's rows as a query not yet ordered or paged: counted, then paged by id, then loaded. Rows
 * come by id so the page's ids are read from an index alone and only those rows are loaded.
 */
export interface FilteredList {
  /** The keyword search kept only the newest matches (search/proposal-search.ts). */
  searchCut: boolean;
  /** A one- or two-character keyword searched only the newest SHORT_KEYWORD_WINDOW proposals. */
  recentOnly: boolean;
  /** How many rows there are, counting no further than `limit + 1`. */
  countUpTo(limit: number): Promise<number>;
  /** The ids of one page in the given order. */
  ids(order: ListOrder | 'latestDecided', offset: number, limit: number): Promise<number[]>;
}

type OrderTerm = [expression: string, dir: 'ASC' | 'DESC', nulls?: 'NULLS FIRST' | 'NULLS LAST'];
/**
 * ORDER BY of each list order, always ending in a unique key so pages never overlap. Each is what one
 * index serves (ix_proposals_updated and the migration ListSortIndexes): change one, change the other.
 * 提案番号: proposals not yet submitted have none; they come last in ascending order and first in
 * descending order on both engines (PostgreSQL's index order, which SQLite follows when told).
 * 状態: in the order of the workflow; within one state the most recently updated first (ascending).
 */
function orderTerms({ sort, dir }: ListOrder): OrderTerm[] {
  const d = dir === 'asc' ? 'ASC' : 'DESC';
  const reverse = dir === 'asc' ? 'DESC' : 'ASC';
  switch (sort) {
    case 'updated':
      return [
        ['p.updated_at', d],
        ['p.id', d],
      ];
    case 'number':
      return [
        ['p.number', d, dir === 'asc' ? 'NULLS LAST' : 'NULLS FIRST'],
        ['p.id', d],
      ];
    case 'title':
      return [
        ['p.title', d],
        ['p.id', d],
      ];
    case 'status':
      return [
        [LIST_STATUS_RANK_SQL.replace('CASE status', 'CASE p.status'), d],
        ['p.updated_at', reverse],
        ['p.id', reverse],
      ];
  }
}

/** 採用事例: the most recently decided first. */
const LATEST_DECIDED: OrderTerm[] = [
  ['p.decided_at', 'DESC', 'NULLS LAST'],
  ['p.id', 'DESC'],
];

function applyOrder<T extends SelectQueryBuilder<ObjectLiteral>>(query: T, order: ListOrder | 'latestDecided'): T {
  (order === 'latestDecided' ? LATEST_DECIDED : orderTerms(order)).forEach(([expression, dir, nulls], i) =>
    i === 0 ? query.orderBy(expression, dir, nulls) : query.addOrderBy(expression, dir, nulls),
  );
  return query;
}

/** A one- or two-character keyword: only the newest proposals are searched (bounded cost). Returns whether it was. */
function onlyRecentFor(query: SelectQueryBuilder<Proposal>, q: string | undefined): boolean {
  if (!q || [...q].length > SHORT_KEYWORD_CHARS) return false;
  query.andWhere(`p.id >= (SELECT MIN(recent.id) FROM (SELECT id FROM proposals ORDER BY id DESC LIMIT ${SHORT_KEYWORD_WINDOW}) recent)`);
  return true;
}

/** The list rows' statement for a number of ids (their placeholders): built once per app from the metadata. */
function listRowsStatement(dataSource: DataSource) {
  const proposals = entityColumns(dataSource, Proposal, 'p_');
  const rowsSql = (placeholders: string) => `
    SELECT ${proposals.select('p')}, c.name AS c_name, u.name AS u_name, ld.name AS ld_name, pd.name AS pd_name
      FROM proposals p
      LEFT JOIN categories c ON c.id = p.category_id
      LEFT JOIN users u ON u.id = p.proposer_id
      LEFT JOIN divisions ld ON ld.id = p.lead_division_id
      LEFT JOIN divisions pd ON pd.id = p.proposer_division_id
     WHERE p.id IN (${placeholders})`;
  return { proposals, rowsSql };
}

/**
 * The queries of the proposal lists: 提案一覧 (and its CSV), 自分の提案 and 採用事例. Built for a
 * million proposals: each order is what one index serves (see orderTerms), a page's ids come from the
 * index alone, and counting stops where the pager stops needing it.
 */
@Injectable()
export class ProposalListRepository {
  private rowsStatement?: ReturnType<typeof listRowsStatement>;

  constructor(
    private readonly db: DbService,
    private readonly repository: ProposalRepository,
    private readonly search: ProposalSearch,
  ) {}

  private get manager(): EntityManager {
    return this.db.dataSource.manager;
  }

  /** What the viewer may see, narrowed by the list's filters. */
  async visible(viewer: Viewer, filters: ListFilters): Promise<FilteredList> {
    const query = this.repository.visibleQuery(viewer);
    if (filters.status) query.andWhere('p.status = :status', { status: filters.status });
    if (filters.fiscalYear) query.andWhere('p.fiscal_year = :fy', { fy: filters.fiscalYear });
    if (filters.categoryId) query.andWhere('p.category_id = :categoryId', { categoryId: filters.categoryId });
    if (filters.divisionId) {
      query.andWhere(
        new Brackets((w) =>
          w
            .where('p.lead_division_id = :divisionId')
            .orWhere('p.proposer_division_id = :divisionId')
            .orWhere('EXISTS (SELECT 1 FROM routings rd WHERE rd.proposal_id = p.id AND rd.division_id = :divisionId AND rd.active = :yes)'),
        ),
        { divisionId: filters.divisionId, yes: true },
      );
    }
    let searchCut = false;
    if (filters.q) {
      // with another filter, the newest matches alone could miss every row of (say) an older year
      const narrowed = Boolean(filters.status || filters.fiscalYear || filters.categoryId || filters.divisionId);
      const keyword = await this.search.keyword(filters.q, { complete: narrowed, viewer });
      query.andWhere(keyword.condition);
      searchCut = keyword.cut;
    }
    const recentOnly = onlyRecentFor(query, filters.q);
    return this.filtered(query, searchCut, recentOnly);
  }

  /** 採用事例: adopted cases of the whole organization (everyone may read them), by category and keyword. */
  async adoptedCases(viewer: Viewer, filters: { q?: string; categoryId?: number }): Promise<FilteredList> {
    const query = this.manager
      .getRepository(Proposal)
      .createQueryBuilder('p')
      .where('p.status = :decided', { decided: 'decided' })
      .andWhere('p.decision IN (:...adopted)', { adopted: ADOPTED_CASE_DECISIONS })
      // the cases a viewer judges in a blind round wait until it closes (they name proposer and division)
      .andWhere(`NOT ${blindJudgeSql('p')}`, { me: viewer.id, ...BLIND_JUDGE_PARAMS });
    if (filters.categoryId) query.andWhere('p.category_id = :categoryId', { categoryId: filters.categoryId });
    if (filters.q) query.andWhere((await this.search.keyword(filters.q, { complete: true })).condition);
    return this.filtered(query, false, onlyRecentFor(query, filters.q));
  }

  /**
   * The rows of these ids in the same order, with the names the lists show (category, proposer, lead
   * division, proposer's division); ids gone meanwhile are left out. One plain statement, hydrated from
   * TypeORM's metadata: loading 20 rows with four relations through find() cost a fifth of a list page.
   */
  async rows(ids: readonly number[]): Promise<Proposal[]> {
    if (!ids.length) return [];
    const ds = this.db.dataSource;
    const { proposals, rowsSql } = (this.rowsStatement ??= listRowsStatement(ds));
    const params = ids.map((id) => Math.trunc(id));
    const found: Record<string, unknown>[] = await ds.query(rowsSql(params.map((_, i) => placeholder(ds, i + 1)).join(', ')), params);
    const byId = new Map<number, Proposal>();
    for (const row of found) {
      const p = proposals.hydrate(row)!;
      const named = <T extends { name: string }>(entity: new () => T, id: number | null, name: unknown): T | null =>
        id === null || name === null || name === undefined ? null : Object.assign(new entity(), { id, name: String(name) });
      p.category = named(Category, p.categoryId, row.c_name);
      p.proposer = named(User, p.proposerId, row.u_name)!;
      p.leadDivision = named(Division, p.leadDivisionId, row.ld_name);
      p.proposerDivision = named(Division, p.proposerDivisionId, row.pd_name);
      byId.set(p.id, p);
    }
    return ids.map((id) => byId.get(id)).filter((p): p is Proposal => p !== undefined);
  }

  /** The user's own and co-proposed proposals, drafts included, in the list's orders (a few dozen rows at most). */
  mine(userId: number, order: ListOrder): Promise<Proposal[]> {
    const query = this.manager
      .getRepository(Proposal)
      .createQueryBuilder('p')
      .leftJoinAndSelect('p.category', 'category')
      .where(
        new Brackets((w) =>
          w
            .where('p.proposer_id = :me')
            .orWhere('EXISTS (SELECT 1 FROM proposal_coproposers cp WHERE cp.proposal_id = p.id AND cp.user_id = :me AND cp.status = :accepted)'),
        ),
        // an invitation not yet accepted is not one's proposal (it is a notification to answer)
        { me: userId, accepted: 'accepted' },
      );
    return applyOrder(query, order).getMany();
  }

  private filtered(query: SelectQueryBuilder<Proposal>, searchCut: boolean, recentOnly: boolean): FilteredList {
    const db = this.db;
    return {
      searchCut,
      recentOnly,
      async countUpTo(limit) {
        const [sql, params] = query
          .clone()
          .select('1')
          .limit(limit + 1)
          .getQueryAndParameters();
        return Number((await db.dataSource.query(`SELECT COUNT(*) AS n FROM (${sql}) counted`, params))[0].n);
      },
      async ids(order, offset, limit) {
        const rows = await applyOrder(query.clone().select('p.id', 'id'), order).offset(offset).limit(limit).getRawMany<{ id: number | string }>();
        return rows.map((r) => Number(r.id));
      },
    };
  }
}
