import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { DbService } from '../database/db.service';
import { placeholder } from '../database/sql-placeholder';
import { Attachment } from '../attachments/attachment.entity';
import { ProposalCoproposer } from '../proposals/proposal-coproposer.entity';
import { Proposal } from '../proposals/proposal.entity';
import type { Decision } from '../proposals/proposal-state-machine';
import { User } from '../users/user.entity';
import {
  JudgingComment,
  JudgingCriterion,
  JudgingEntry,
  JudgingJudge,
  JudgingRound,
  JudgingRoundCriterion,
  JudgingRoundEvent,
  JudgingScore,
  JudgingScoreChange,
  RoundEventAction,
} from './judging.entities';
import type { JudgeSheet } from './judging-results';
import { lineage } from '../organization/division-tree';

/** A proposal in a round, with what the pages of the office and the judges show of it. */
export interface EntryRow {
  proposalId: number;
  position: number;
  number: string;
  title: string;
  categoryName: string | null;
  proposerId: number;
  proposerName: string;
  divisionId: number | null;
  divisionName: string | null;
  /** Every colleague named on the proposal, whatever their answer: each one is a conflict of interest. */
  coproposers: { userId: number; name: string; divisionId: number | null }[];
  /** The proposer's and co-proposers' divisions with the divisions above them (the conflict rule). */
  divisionIds: number[];
}

export interface JudgeRow {
  userId: number;
  name: string;
  login: string;
  divisionId: number | null;
  divisionName: string | null;
  disabled: boolean;
}

/** One judge's sheet for one entry as stored: scores by criterion position, and the comment. */
export interface StoredSheet {
  scores: Record<number, number>;
  comment: string | null;
}

/** Every query and write of the judging tables. The rules are in JudgingService and judging-rules.ts. */
@Injectable()
export class JudgingRepository {
  constructor(private readonly db: DbService) {}

  private get manager(): EntityManager {
    return this.db.dataSource.manager;
  }

  // --- criteria (the office's template) ---

  criteria(manager = this.manager): Promise<JudgingCriterion[]> {
    return manager.getRepository(JudgingCriterion).find({ order: { position: 'ASC' } });
  }

  async replaceCriteria(manager: EntityManager, rows: Omit<JudgingCriterion, 'id'>[]): Promise<void> {
    await manager.getRepository(JudgingCriterion).clear();
    await manager.getRepository(JudgingCriterion).insert(rows);
  }

  // --- rounds ---

  round(id: number, manager = this.manager): Promise<JudgingRound | null> {
    return manager.getRepository(JudgingRound).findOne({ where: { id } });
  }

  /** Every round, newest year first, with how many entries and judges each has. */
  async rounds(): Promise<(JudgingRound & { entryCount: number; judgeCount: number })[]> {
    const rounds = await this.manager.getRepository(JudgingRound).find({ order: { fiscalYear: 'DESC', id: 'DESC' } });
    const count = async (table: 'judging_entries' | 'judging_judges') =>
      new Map(
        (await this.manager.query<{ round_id: number; n: number | string }[]>(`SELECT round_id, COUNT(*) AS n FROM ${table} GROUP BY round_id`)).map((r) => [
          Number(r.round_id),
          Number(r.n),
        ]),
      );
    const [entries, judges] = await Promise.all([count('judging_entries'), count('judging_judges')]);
    return rounds.map((r) => Object.assign(r, { entryCount: entries.get(r.id) ?? 0, judgeCount: judges.get(r.id) ?? 0 }));
  }

  /** The rounds a user judges, newest first. */
  async roundsOfJudge(userId: number): Promise<JudgingRound[]> {
    const ids = (await this.manager.getRepository(JudgingJudge).find({ where: { userId } })).map((j) => j.roundId);
    return ids.length ? this.manager.getRepository(JudgingRound).find({ where: { id: In(ids) }, order: { fiscalYear: 'DESC', id: 'DESC' } }) : [];
  }

  /** The closed rounds of a year, for choosing the previous round and for the awards page. */
  closedRounds(fiscalYear: number): Promise<JudgingRound[]> {
    return this.manager.getRepository(JudgingRound).find({ where: { fiscalYear, status: 'closed' }, order: { id: 'ASC' } });
  }

  async insertRound(manager: EntityManager, round: Partial<JudgingRound>): Promise<number> {
    const result = await manager.getRepository(JudgingRound).insert(round);
    return Number(result.identifiers[0].id);
  }

  /**
   * Changes a round when it still has the status and version the office saw: a compare-and-set.
   * False when someone else changed it first.
   */
  async updateRound(
    manager: EntityManager,
    round: JudgingRound,
    expected: { status: JudgingRound['status']; version: number },
    changes: Partial<JudgingRound>,
  ): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(JudgingRound)
      .set({ ...changes, version: () => 'version + 1' })
      .where('id = :id AND status = :status AND version = :version', { id: round.id, ...expected })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  /**
   * Takes the round's row for the rest of the transaction when it is open, so that a close waits for a
   * save in progress and a save after a close finds it closed (a no-op update: the row lock on PostgreSQL;
   * SQLite runs one write at a time anyway). False when the round is no longer open.
   */
  async holdOpenRound(manager: EntityManager, roundId: number): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(JudgingRound)
      .set({ status: 'open' })
      .where('id = :id AND status = :status', { id: roundId, status: 'open' })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  addEvent(manager: EntityManager, roundId: number, action: RoundEventAction, actorId: number, reason: string | null = null) {
    return manager.getRepository(JudgingRoundEvent).insert({ roundId, action, actorId, reason });
  }

  async events(roundId: number): Promise<(JudgingRoundEvent & { actorName: string | null })[]> {
    const events = await this.manager.getRepository(JudgingRoundEvent).find({ where: { roundId }, order: { id: 'ASC' } });
    const names = await this.userNames(events.map((e) => e.actorId));
    return events.map((e) => Object.assign(e, { actorName: e.actorId ? (names.get(e.actorId) ?? null) : null }));
  }

  roundCriteria(roundId: number, manager = this.manager): Promise<JudgingRoundCriterion[]> {
    return manager.getRepository(JudgingRoundCriterion).find({ where: { roundId }, order: { position: 'ASC' } });
  }

  async copyCriteria(manager: EntityManager, roundId: number, criteria: JudgingCriterion[]): Promise<void> {
    await manager.getRepository(JudgingRoundCriterion).insert(criteria.map(({ id: _id, ...c }) => ({ ...c, roundId })));
  }

  // --- entries and judges ---

  async entries(roundId: number, manager = this.manager): Promise<EntryRow[]> {
    const rows = await manager.query<
      {
        proposal_id: number;
        position: number;
        number: string;
        title: string;
        category_name: string | null;
        proposer_id: number;
        proposer_name: string;
        division_id: number | null;
        division_name: string | null;
      }[]
    >(
      `SELECT e.proposal_id, e.position, p.number, p.title, c.name AS category_name, p.proposer_id, u.name AS proposer_name,
              p.proposer_division_id AS division_id, d.name AS division_name
         FROM judging_entries e
         JOIN proposals p ON p.id = e.proposal_id
         JOIN users u ON u.id = p.proposer_id
         LEFT JOIN categories c ON c.id = p.category_id
         LEFT JOIN divisions d ON d.id = p.proposer_division_id
        WHERE e.round_id = ${placeholder(this.db.dataSource, 1)}
        ORDER BY e.position`,
      [roundId],
    );
    const ids = rows.map((r) => Number(r.proposal_id));
    const coproposers = ids.length
      ? await manager
          .getRepository(ProposalCoproposer)
          .createQueryBuilder('cp')
          .innerJoin(User, 'u', 'u.id = cp.user_id')
          .select(['cp.proposal_id AS proposal_id', 'cp.user_id AS user_id', 'u.name AS name', 'u.division_id AS division_id'])
          .where('cp.proposal_id IN (:...ids)', { ids })
          .orderBy('cp.user_id')
          .getRawMany<{ proposal_id: number; user_id: number; name: string; division_id: number | null }>()
      : [];
    const parents = new Map(
      (await manager.query<{ id: number; parent_id: number | null }[]>('SELECT id, parent_id FROM divisions')).map((d) => [
        Number(d.id),
        d.parent_id === null ? null : Number(d.parent_id),
      ]),
    );
    return rows
      .map((r) => ({
        proposalId: Number(r.proposal_id),
        position: Number(r.position),
        number: r.number,
        title: r.title,
        categoryName: r.category_name,
        proposerId: Number(r.proposer_id),
        proposerName: r.proposer_name,
        divisionId: r.division_id === null ? null : Number(r.division_id),
        divisionName: r.division_name,
        coproposers: coproposers
          .filter((c) => Number(c.proposal_id) === Number(r.proposal_id))
          .map((c) => ({ userId: Number(c.user_id), name: c.name, divisionId: c.division_id === null ? null : Number(c.division_id) })),
      }))
      .map((entry) => ({
        ...entry,
        divisionIds: [...new Set([entry.divisionId, ...entry.coproposers.map((c) => c.divisionId)].flatMap((id) => lineage(id, parents)))],
      }));
  }

  /** Proposals that can enter a round: submitted (they have a number) and not withdrawn. */
  enterable(where: { numbers?: string[]; fiscalYear?: number; decisions?: readonly Decision[]; ids?: number[] }): Promise<Proposal[]> {
    const query = this.manager
      .getRepository(Proposal)
      .createQueryBuilder('p')
      .where('p.number IS NOT NULL')
      .andWhere('p.status NOT IN (:...excluded)', { excluded: ['draft', 'withdrawn'] });
    if (where.numbers) query.andWhere('p.number IN (:...numbers)', { numbers: where.numbers.length ? where.numbers : [''] });
    if (where.ids) query.andWhere('p.id IN (:...ids)', { ids: where.ids.length ? where.ids : [0] });
    if (where.fiscalYear !== undefined) query.andWhere('p.fiscal_year = :year', { year: where.fiscalYear });
    if (where.decisions)
      query.andWhere("p.status = 'decided' AND p.decision IN (:...decisions)", { decisions: where.decisions.length ? [...where.decisions] : [''] });
    return query.orderBy('p.number', 'ASC').getMany();
  }

  async addEntries(manager: EntityManager, roundId: number, proposalIds: number[]): Promise<number> {
    const existing = await manager.getRepository(JudgingEntry).find({ where: { roundId } });
    const have = new Set(existing.map((e) => e.proposalId));
    let position = Math.max(0, ...existing.map((e) => e.position));
    const added = proposalIds.filter((id) => !have.has(id));
    if (added.length) await manager.getRepository(JudgingEntry).insert(added.map((proposalId) => ({ roundId, proposalId, position: ++position })));
    return added.length;
  }

  async removeEntry(manager: EntityManager, roundId: number, proposalId: number): Promise<void> {
    await manager.getRepository(JudgingEntry).delete({ roundId, proposalId });
  }

  async judges(roundId: number, manager = this.manager): Promise<JudgeRow[]> {
    const rows = await manager
      .getRepository(JudgingJudge)
      .createQueryBuilder('j')
      .innerJoin(User, 'u', 'u.id = j.user_id')
      .leftJoin('divisions', 'd', 'd.id = u.division_id')
      .select(['u.id AS user_id', 'u.name AS name', 'u.login AS login', 'u.division_id AS division_id', 'd.name AS division_name', 'u.disabled AS disabled'])
      .where('j.round_id = :roundId', { roundId })
      .orderBy('u.id')
      .getRawMany<{ user_id: number; name: string; login: string; division_id: number | null; division_name: string | null; disabled: boolean | number }>();
    return rows.map((r) => ({
      userId: Number(r.user_id),
      name: r.name,
      login: r.login,
      divisionId: r.division_id === null ? null : Number(r.division_id),
      divisionName: r.division_name,
      disabled: Boolean(r.disabled),
    }));
  }

  async isJudge(roundId: number, userId: number): Promise<boolean> {
    return (await this.manager.getRepository(JudgingJudge).count({ where: { roundId, userId } })) > 0;
  }

  async replaceJudges(manager: EntityManager, roundId: number, userIds: number[]): Promise<void> {
    await manager.getRepository(JudgingJudge).delete({ roundId });
    if (userIds.length) await manager.getRepository(JudgingJudge).insert(userIds.map((userId) => ({ roundId, userId })));
  }

  /** Active users by login id (for naming a judge who does not hold the 審査員 role). */
  usersByLogin(logins: string[]): Promise<User[]> {
    return logins.length ? this.manager.getRepository(User).find({ where: { login: In(logins), disabled: false } }) : Promise.resolve([]);
  }

  // --- sheets ---

  /** Every stored sheet of a round (scores and comments), as the results need them. */
  async sheets(roundId: number, manager = this.manager): Promise<(JudgeSheet & { comment: string | null })[]> {
    // one after another: inside a transaction the manager is one connection
    const scores = await manager.getRepository(JudgingScore).find({ where: { roundId } });
    const comments = await manager.getRepository(JudgingComment).find({ where: { roundId } });
    const sheets = new Map<string, JudgeSheet & { comment: string | null }>();
    const sheetOf = (proposalId: number, judgeId: number) => {
      const key = `${proposalId}:${judgeId}`;
      let sheet = sheets.get(key);
      if (!sheet) sheets.set(key, (sheet = { proposalId, judgeId, scores: {}, comment: null }));
      return sheet;
    };
    for (const s of scores) sheetOf(s.proposalId, s.judgeId).scores[s.criterionPosition] = s.score;
    for (const c of comments) sheetOf(c.proposalId, c.judgeId).comment = c.comment;
    return [...sheets.values()];
  }

  async sheet(roundId: number, proposalId: number, judgeId: number, manager = this.manager): Promise<StoredSheet> {
    const scores = await manager.getRepository(JudgingScore).find({ where: { roundId, proposalId, judgeId } });
    const comment = await manager.getRepository(JudgingComment).findOne({ where: { roundId, proposalId, judgeId } });
    return { scores: Object.fromEntries(scores.map((s) => [s.criterionPosition, s.score])), comment: comment?.comment ?? null };
  }

  /**
   * Writes one judge's sheet for one entry: only what changed, each change logged (who, when, old, new).
   * A judge writes only their own rows, so two judges saving at once never touch the same row.
   */
  async writeSheet(
    manager: EntityManager,
    key: { roundId: number; proposalId: number; judgeId: number },
    before: StoredSheet,
    after: StoredSheet,
  ): Promise<number> {
    const changes: Partial<JudgingScoreChange>[] = [];
    const positions = new Set([...Object.keys(before.scores), ...Object.keys(after.scores)].map(Number));
    for (const position of positions) {
      const old = before.scores[position];
      const next = after.scores[position];
      if (old === next) continue;
      const where = { ...key, criterionPosition: position };
      if (next === undefined) await manager.getRepository(JudgingScore).delete(where);
      else if (old === undefined) await manager.getRepository(JudgingScore).insert({ ...where, score: next });
      else await manager.getRepository(JudgingScore).update(where, { score: next });
      changes.push({
        ...key,
        criterionPosition: position,
        oldValue: old === undefined ? null : String(old),
        newValue: next === undefined ? null : String(next),
      });
    }
    if ((before.comment ?? '') !== (after.comment ?? '')) {
      if (after.comment === null) await manager.getRepository(JudgingComment).delete(key);
      else if (before.comment === null) await manager.getRepository(JudgingComment).insert({ ...key, comment: after.comment });
      else await manager.getRepository(JudgingComment).update(key, { comment: after.comment });
      changes.push({ ...key, criterionPosition: null, oldValue: before.comment, newValue: after.comment });
    }
    if (changes.length) await manager.getRepository(JudgingScoreChange).insert(changes);
    return changes.length;
  }

  /** The change log of a round, newest first, with the judges' names and the proposals' numbers. */
  async scoreLog(roundId: number, limit: number): Promise<(JudgingScoreChange & { judgeName: string; number: string })[]> {
    const changes = await this.manager.getRepository(JudgingScoreChange).find({ where: { roundId }, order: { id: 'DESC' }, take: limit });
    const names = await this.userNames(changes.map((c) => c.judgeId));
    const numbers = new Map(
      changes.length
        ? (
            await this.manager
              .getRepository(Proposal)
              .find({ select: { id: true, number: true }, where: { id: In([...new Set(changes.map((c) => c.proposalId))]) } })
          ).map((p) => [p.id, p.number ?? ''] as const)
        : [],
    );
    return changes.map((c) => Object.assign(c, { judgeName: names.get(c.judgeId) ?? '', number: numbers.get(c.proposalId) ?? '' }));
  }

  // --- what a judge reads of an entry ---

  proposal(proposalId: number): Promise<Proposal | null> {
    return this.manager.getRepository(Proposal).findOne({ where: { id: proposalId }, relations: { category: true } });
  }

  attachments(proposalId: number): Promise<Pick<Attachment, 'id' | 'fileName' | 'mediaType' | 'size'>[]> {
    return this.manager
      .getRepository(Attachment)
      .find({ select: { id: true, fileName: true, mediaType: true, size: true }, where: { proposalId }, order: { id: 'ASC' } });
  }

  async attachmentContent(attachmentId: number): Promise<Buffer> {
    const row = await this.manager
      .getRepository(Attachment)
      .createQueryBuilder('a')
      .addSelect('a.content')
      .where('a.id = :attachmentId', { attachmentId })
      .getOneOrFail();
    return row.content;
  }

  private async userNames(ids: (number | null)[]): Promise<Map<number, string>> {
    const wanted = [...new Set(ids.filter((id): id is number => id !== null))];
    if (!wanted.length) return new Map();
    return new Map((await this.manager.getRepository(User).find({ select: { id: true, name: true }, where: { id: In(wanted) } })).map((u) => [u.id, u.name]));
  }
}
