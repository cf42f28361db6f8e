import { Injectable, Module } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { fiscalYearLabel } from '../common/fiscal-year';
import { DbService } from '../database/db.service';
import { BLIND_JUDGE_PARAMS, blindJudgeSql } from '../proposals/proposal-access';
import { Award, AwardRecipient, AwardTier } from './award.entities';

/** An award as the pages show it: its tier, the proposal, and (once decided) who received it. */
export interface AwardRow {
  id: number;
  fiscalYear: number;
  status: Award['status'];
  tierId: number;
  tierName: string;
  tierPosition: number;
  rewardYen: number | null;
  rewardNote: string | null;
  proposalId: number;
  number: string;
  title: string;
  roundId: number | null;
  reason: string | null;
  awardedOn: string | null;
  recipients: AwardRecipient[];
}

/** What an award is called in the history, notifications and lists: 2026年度 最優秀賞. */
export const awardLabel = (award: Pick<AwardRow, 'fiscalYear' | 'tierName'>): string => `${fiscalYearLabel(award.fiscalYear)} ${award.tierName}`;

/**
 * Every query and write of the award tables. Also provided on its own (AwardStoreModule) so the proposal
 * page, 採用事例 and the reports can show awards without importing the awards feature.
 */
@Injectable()
export class AwardRepository {
  constructor(private readonly db: DbService) {}

  private get manager(): EntityManager {
    return this.db.dataSource.manager;
  }

  tiers(fiscalYear: number, manager = this.manager): Promise<AwardTier[]> {
    return manager.getRepository(AwardTier).find({ where: { fiscalYear }, order: { position: 'ASC', id: 'ASC' } });
  }

  tier(id: number, manager = this.manager): Promise<AwardTier | null> {
    return manager.getRepository(AwardTier).findOne({ where: { id } });
  }

  async insertTiers(manager: EntityManager, tiers: Omit<AwardTier, 'id'>[]): Promise<void> {
    if (tiers.length) await manager.getRepository(AwardTier).insert(tiers);
  }

  async updateTier(manager: EntityManager, id: number, changes: Partial<AwardTier>): Promise<void> {
    await manager.getRepository(AwardTier).update({ id }, changes);
  }

  async deleteTier(manager: EntityManager, id: number): Promise<void> {
    await manager.getRepository(AwardTier).delete({ id });
  }

  award(id: number, manager = this.manager): Promise<Award | null> {
    return manager.getRepository(Award).findOne({ where: { id } });
  }

  async countInTier(manager: EntityManager, tierId: number): Promise<number> {
    return manager.getRepository(Award).count({ where: { tierId } });
  }

  awardOfProposal(manager: EntityManager, fiscalYear: number, proposalId: number): Promise<Award | null> {
    return manager.getRepository(Award).findOne({ where: { fiscalYear, proposalId } });
  }

  async insertAward(manager: EntityManager, award: Partial<Award>): Promise<number> {
    return Number((await manager.getRepository(Award).insert(award)).identifiers[0].id);
  }

  /** Proposed → decided, only from proposed (a compare-and-set on the status). */
  async markDecided(manager: EntityManager, id: number, changes: { decidedBy: number; awardedOn: string }): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(Award)
      .set({ ...changes, status: 'decided' })
      .where('id = :id AND status = :proposed', { id, proposed: 'proposed' })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  async deleteProposed(manager: EntityManager, id: number): Promise<boolean> {
    const result = await manager.createQueryBuilder().delete().from(Award).where('id = :id AND status = :proposed', { id, proposed: 'proposed' }).execute();
    return (result.affected ?? 0) === 1;
  }

  async insertRecipients(manager: EntityManager, recipients: AwardRecipient[]): Promise<void> {
    if (recipients.length) await manager.getRepository(AwardRecipient).insert(recipients);
  }

  /**
   * Awards with their tier, proposal and recipients. `decidedOnly` for what everyone reads; `viewerId`
   * leaves out what that viewer judges in an unfinished blind round (the list names the authors).
   */
  async rows(where: { fiscalYear?: number; ids?: number[]; proposalIds?: number[]; decidedOnly?: boolean; viewerId?: number }): Promise<AwardRow[]> {
    const query = this.manager
      .createQueryBuilder()
      .select([
        'a.id AS id',
        'a.fiscal_year AS fiscal_year',
        'a.status AS status',
        'a.tier_id AS tier_id',
        't.name AS tier_name',
        't.position AS tier_position',
        't.reward_yen AS reward_yen',
        't.reward_note AS reward_note',
        'a.proposal_id AS proposal_id',
        'p.number AS number',
        'p.title AS title',
        'a.round_id AS round_id',
        'a.reason AS reason',
        // as text: PostgreSQL's driver would turn a date into a Date at local midnight
        'CAST(a.awarded_on AS TEXT) AS awarded_on',
      ])
      .from(Award, 'a')
      .innerJoin(AwardTier, 't', 't.id = a.tier_id')
      .innerJoin('proposals', 'p', 'p.id = a.proposal_id')
      .orderBy('a.fiscal_year', 'DESC')
      .addOrderBy('t.position', 'ASC')
      .addOrderBy('a.id', 'ASC');
    if (where.fiscalYear !== undefined) query.andWhere('a.fiscal_year = :fiscalYear', { fiscalYear: where.fiscalYear });
    if (where.ids) query.andWhere('a.id IN (:...ids)', { ids: where.ids.length ? where.ids : [0] });
    if (where.proposalIds) query.andWhere('a.proposal_id IN (:...proposalIds)', { proposalIds: where.proposalIds.length ? where.proposalIds : [0] });
    if (where.decidedOnly) query.andWhere('a.status = :decided', { decided: 'decided' });
    if (where.viewerId !== undefined) query.andWhere(`NOT ${blindJudgeSql('p')}`, { me: where.viewerId, ...BLIND_JUDGE_PARAMS });
    const raw = await query.getRawMany<Record<string, unknown>>();
    const ids = raw.map((r) => Number(r.id));
    const recipients = ids.length
      ? await this.manager.getRepository(AwardRecipient).find({ where: { awardId: In(ids) }, order: { awardId: 'ASC', position: 'ASC' } })
      : [];
    return raw.map((r) => ({
      id: Number(r.id),
      fiscalYear: Number(r.fiscal_year),
      status: r.status as Award['status'],
      tierId: Number(r.tier_id),
      tierName: String(r.tier_name),
      tierPosition: Number(r.tier_position),
      rewardYen: r.reward_yen === null ? null : Number(r.reward_yen),
      rewardNote: (r.reward_note as string | null) ?? null,
      proposalId: Number(r.proposal_id),
      number: String(r.number ?? ''),
      title: String(r.title),
      roundId: r.round_id === null ? null : Number(r.round_id),
      reason: (r.reason as string | null) ?? null,
      awardedOn: r.awarded_on ? String(r.awarded_on).slice(0, 10) : null,
      recipients: recipients.filter((x) => x.awardId === Number(r.id)),
    }));
  }

  /** The decided awards of these proposals, as their labels, for the proposal page and 採用事例. */
  async decidedLabels(proposalIds: number[]): Promise<Map<number, string[]>> {
    const labels = new Map<number, string[]>();
    if (!proposalIds.length) return labels;
    for (const a of await this.rows({ proposalIds, decidedOnly: true })) labels.set(a.proposalId, [...(labels.get(a.proposalId) ?? []), awardLabel(a)]);
    return labels;
  }

  /** Decided awards per fiscal year, for the year-by-year report. */
  async decidedCountsByYear(): Promise<Map<number, number>> {
    const rows = await this.manager.query<{ fiscal_year: number; n: number | string }[]>(
      `SELECT fiscal_year, COUNT(*) AS n FROM awards WHERE status = 'decided' GROUP BY fiscal_year`,
    );
    return new Map(rows.map((r) => [Number(r.fiscal_year), Number(r.n)]));
  }
}

@Module({ providers: [AwardRepository], exports: [AwardRepository] })
export class AwardStoreModule {}
