import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { Clock } from '../common/clock';
import { ConflictError, NotFoundError } from '../common/errors';
import { fiscalYearLabel, fiscalYearOf } from '../common/fiscal-year';
import { FieldErrors, FormValidationException } from '../common/forms';
import { DbService } from '../database/db.service';
import { isUniqueViolation } from '../database/unique-violation';
import { JudgingService } from '../judging/judging.service';
import { NotificationsService } from '../notifications/notifications.service';
import { Proposal } from '../proposals/proposal.entity';
import { ProposalRepository } from '../proposals/proposal.repository';
import { SettingsService } from '../settings/settings.service';
import { User } from '../users/user.entity';
import { AwardTier } from './award.entities';
import { awardLabel, AwardRepository, AwardRow } from './award.repository';
import { DecideAwardDto, ProposeAwardDto, TiersDto } from './dto/award.dto';

/** The tiers a year starts with (DOMAIN.md: one city's 最優秀 50,000円 ×1, 優秀 30,000円 ×2, 奨励 10,000円 ×3). */
export const DEFAULT_TIERS: Omit<AwardTier, 'id' | 'fiscalYear'>[] = [
  { position: 1, name: '最優秀賞', slots: 1, rewardYen: 50000, rewardNote: null },
  { position: 2, name: '優秀賞', slots: 2, rewardYen: 30000, rewardNote: null },
  { position: 3, name: '奨励賞', slots: 3, rewardYen: 10000, rewardNote: null },
  { position: 4, name: 'アイデア賞', slots: 3, rewardYen: null, rewardNote: '記念品' },
];

/**
 * 表彰: the year's tiers, awards proposed from a round's ranking or by hand, and their decision, which
 * records who received them (name and division as they are that day), writes the proposal's history
 * and tells the awardees.
 */
@Injectable()
export class AwardsService {
  constructor(
    private readonly awards: AwardRepository,
    private readonly proposals: ProposalRepository,
    private readonly judging: JudgingService,
    private readonly notifications: NotificationsService,
    private readonly settings: SettingsService,
    private readonly db: DbService,
    private readonly clock: Clock,
  ) {}

  /** The year's tiers as stored (none until the year's page was first opened, see ensureTiers). */
  tiers(fiscalYear: number): Promise<AwardTier[]> {
    return this.awards.tiers(fiscalYear);
  }

  /**
   * Gives a year without tiers the DEFAULT_TIERS (written once, whoever asks first). Only the year's page
   * asks: a refused form must change nothing, so the posts read the tiers as they are.
   */
  async ensureTiers(fiscalYear: number): Promise<AwardTier[]> {
    const tiers = await this.awards.tiers(fiscalYear);
    if (tiers.length) return tiers;
    try {
      await this.db.transaction((manager) =>
        this.awards.insertTiers(
          manager,
          DEFAULT_TIERS.map((t) => ({ ...t, fiscalYear })),
        ),
      );
    } catch (error) {
      if (!isUniqueViolation(error)) throw error; // another request wrote them first
    }
    return this.awards.tiers(fiscalYear);
  }

  /** Saves the year's tiers: rows with a tierId are changed (or removed when the name is empty), others added. */
  async saveTiers(fiscalYear: number, dto: TiersDto): Promise<void> {
    const existing = await this.tiers(fiscalYear);
    const errors: string[] = [];
    const rows = dto.name.map((rawName, i) => {
      const name = rawName.trim();
      const line = `${i + 1}行目${name ? `（${name}）` : ''}`;
      const id = dto.tierId[i] ? Number(dto.tierId[i]) : null;
      if (id !== null && !existing.some((t) => t.id === id)) errors.push(`${line}：画面を開き直してからもう一度お試しください。`);
      const slots = Number((dto.slots[i] ?? '').normalize('NFKC').trim());
      const yenText = (dto.rewardYen[i] ?? '').normalize('NFKC').replace(/[,\s円]/g, '');
      const rewardYen = yenText === '' ? null : Number(yenText);
      const rewardNote = (dto.rewardNote[i] ?? '').trim() || null;
      if (name) {
        if (name.length > 30) errors.push(`${line}：賞の名称は30文字以内で入力してください。`);
        if (!Number.isInteger(slots) || slots < 1 || slots > 100) errors.push(`${line}：件数を 1〜100 の整数で入力してください。`);
        if (rewardYen !== null && (!Number.isInteger(rewardYen) || rewardYen < 0 || rewardYen > 10_000_000))
          errors.push(`${line}：副賞の金額を 0〜10,000,000 の整数（円）で入力してください。`);
        if (rewardNote && rewardNote.length > 60) errors.push(`${line}：記念品などは60文字以内で入力してください。`);
        if (/[\r\n]/.test(name + (rewardNote ?? ''))) errors.push(`${line}：改行は入力できません。1行で入力してください。`);
      }
      return { id, name, slots, rewardYen, rewardNote };
    });
    const kept = rows.filter((r) => r.name);
    if (!kept.length) errors.push('賞を1つ以上入力してください。');
    if (new Set(kept.map((r) => r.name)).size !== kept.length) errors.push('同じ名称の賞が2つあります。');
    if (errors.length) throw new FormValidationException({ tiers: errors });
    await this.db
      .transaction(async (manager) => {
        for (const row of rows.filter((r) => r.id !== null && !r.name)) {
          if (await this.awards.countInTier(manager, row.id!)) {
            throw new FormValidationException({ tiers: ['表彰が登録されている賞は削除できません。先にその表彰を取り消してください。'] });
          }
          await this.awards.deleteTier(manager, row.id!);
        }
        let position = 0;
        for (const row of kept) {
          position += 1;
          const values = { name: row.name, slots: row.slots, rewardYen: row.rewardYen, rewardNote: row.rewardNote, position };
          if (row.id !== null) await this.awards.updateTier(manager, row.id, values);
          else await this.awards.insertTiers(manager, [{ ...values, fiscalYear }]);
        }
      })
      .catch((error: unknown) => {
        if (isUniqueViolation(error)) throw new FormValidationException({ tiers: ['同じ名称の賞が2つあります。'] });
        throw error;
      });
  }

  list(fiscalYear: number): Promise<AwardRow[]> {
    return this.awards.rows({ fiscalYear });
  }

  /** Decided awards of every year, as every member of staff may read them (not those a viewer judges blind). */
  decided(viewer: User): Promise<AwardRow[]> {
    return this.awards.rows({ decidedOnly: true, viewerId: viewer.id });
  }

  async award(id: number): Promise<AwardRow> {
    const [row] = await this.awards.rows({ ids: [id] });
    if (!row) throw new NotFoundError();
    return row;
  }

  /** A round's ranking to choose awards from: closed rounds of the year only. */
  async candidates(fiscalYear: number, roundId: number | null) {
    const rounds = await this.judging.closedRounds(fiscalYear);
    const round = roundId ? rounds.find((r) => r.id === roundId) : rounds[rounds.length - 1];
    if (!round) return { rounds, round: null, ranking: [] };
    return { rounds, round, ranking: (await this.judging.results(round.id)).ranking };
  }

  /** Proposes an award: from a closed round's ranking (the proposal must be one of its entries) or by hand with a reason. */
  async propose(user: User, fiscalYear: number, dto: ProposeAwardDto): Promise<void> {
    const tiers = await this.tiers(fiscalYear);
    const tier = tiers.find((t) => t.id === dto.tierId);
    if (!tier) throw FormValidationException.field('tierId', '賞を選んでください。');
    let proposal: Proposal | null;
    if (dto.roundId) {
      const { round, ranking } = await this.candidates(fiscalYear, dto.roundId);
      const entry = round ? ranking.find((r) => r.proposalId === dto.proposalId) : undefined;
      if (!entry) throw FormValidationException.field('proposalId', 'その審査の対象の提案を選んでください。');
      proposal = await this.proposals.findById(entry.proposalId);
    } else {
      const errors: FieldErrors = {};
      if (!dto.number) errors.number = ['提案番号を入力してください。'];
      if (!dto.reason) errors.reason = ['審査によらずに表彰する理由を入力してください（記録に残ります）。'];
      if (Object.keys(errors).length) throw new FormValidationException(errors);
      proposal = await this.proposals.findByNumber(dto.number!);
      if (!proposal || proposal.status === 'draft' || proposal.status === 'withdrawn')
        throw FormValidationException.field('number', `提案番号「${dto.number}」の提出された提案は見つかりませんでした。`);
    }
    if (!proposal) throw new NotFoundError();
    await this.db
      .transaction(async (manager) => {
        const already = await this.awards.awardOfProposal(manager, fiscalYear, proposal.id);
        if (already) {
          const tierName = tiers.find((t) => t.id === already.tierId)?.name ?? '';
          throw new ConflictError(
            `${proposal.number} はすでに${fiscalYearLabel(fiscalYear)}の${tierName}（${already.status === 'decided' ? '決定' : '案'}）です。`,
          );
        }
        if ((await this.awards.countInTier(manager, tier.id)) >= tier.slots) {
          throw new ConflictError(`${tier.name}は${tier.slots}件までです。件数を増やすときは「賞の設定」で変えてください。`);
        }
        await this.awards.insertAward(manager, {
          fiscalYear,
          tierId: tier.id,
          proposalId: proposal.id,
          roundId: dto.roundId || null,
          reason: dto.reason || null,
          proposedBy: user.id,
        });
      })
      .catch((error: unknown) => {
        if (isUniqueViolation(error)) throw new ConflictError(`${proposal.number} はすでに${fiscalYearLabel(fiscalYear)}の表彰に選ばれています。`);
        throw error;
      });
  }

  /** Removes an award that is still a proposal (案). */
  async remove(id: number): Promise<number> {
    const award = await this.awards.award(id);
    if (!award) throw new NotFoundError();
    const removed = await this.db.transaction((manager) => this.awards.deleteProposed(manager, id));
    if (!removed) throw new ConflictError('決定した表彰は取り消せません。');
    return award.fiscalYear;
  }

  /**
   * Decides an award: the proposer and the co-proposers who accepted become its recipients, with their
   * names and divisions as they are today (for the 賞状); the proposal's history records it (public part);
   * each recipient is told.
   */
  async decide(user: User, id: number, dto: DecideAwardDto): Promise<AwardRow> {
    await this.db.transaction(async (manager) => {
      const award = await this.awards.award(id, manager);
      if (!award) throw new NotFoundError();
      if (!(await this.awards.markDecided(manager, id, { decidedBy: user.id, awardedOn: dto.awardedOn })))
        throw new ConflictError('この表彰はすでに決定しています。');
      const proposal = await manager.getRepository(Proposal).findOneOrFail({ where: { id: award.proposalId } });
      const tier = (await this.awards.tier(award.tierId, manager))!;
      const userIds = [proposal.proposerId, ...(await this.proposals.coproposerIds(manager, proposal.id))];
      const users = await manager.getRepository(User).find({ where: { id: In(userIds) }, relations: { division: true } });
      await this.awards.insertRecipients(
        manager,
        userIds.map((userId, position) => {
          const u = users.find((x) => x.id === userId)!;
          return { awardId: id, userId, position, name: u.name, divisionName: u.division?.name ?? null };
        }),
      );
      const label = awardLabel({ fiscalYear: award.fiscalYear, tierName: tier.name });
      await this.proposals.addHistory(manager, { proposal, actorId: user.id, action: 'award', detail: label });
      await this.notifications.notify(manager, {
        userIds,
        recipients: users,
        proposalId: proposal.id,
        kind: 'status',
        message: `提案「${proposal.title}」が${label}に決まりました。おめでとうございます。`,
      });
    });
    return this.award(id);
  }

  /** The 賞状's signer line (e.g. 〇〇市長 山田 太郎), from the settings. */
  signer(): Promise<string> {
    return this.settings.text('award_signer', '');
  }

  setSigner(signer: string): Promise<void> {
    return this.settings.setText('award_signer', signer);
  }

  today(): string {
    return this.clock.today();
  }

  currentFiscalYear(): number {
    return fiscalYearOf(this.clock.now());
  }
}
