import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, EntityManager, In, Repository, SelectQueryBuilder, WhereExpressionBuilder } from 'typeorm';
import { NotFoundError } from '../common/errors';
import { fiscalYearOf } from '../common/fiscal-year';
import { FieldErrors, FormValidationException } from '../common/forms';
import { DbService } from '../database/db.service';
import { isUniqueViolation } from '../database/unique-violation';
import { NotificationsService } from '../notifications/notifications.service';
import { Category } from '../organization/category.entity';
import { User } from '../users/user.entity';
import { ProposalFormDto } from './dto/proposal-form.dto';
import { CommentDto } from './dto/workflow.dto';
import { actorsFor, canView, ProposalFacts, Viewer } from './proposal-access';
import { ProposalHistoryEntry } from './proposal-history.entity';
import { ADOPTED_CASE_DECISIONS, ProposalStatus } from './proposal-state-machine';
import { applyTransition } from './proposal-transition';
import { Proposal } from './proposal.entity';
import { ProposalNumberSequence } from './proposal-number-sequence.entity';
import { Routing } from './routing.entity';

export interface ProposalFilters {
  status?: ProposalStatus;
  fiscalYear?: number;
  categoryId?: number;
  divisionId?: number;
  q?: string;
  page: number;
}

export const PROPOSALS_PAGE_SIZE = 20;
/** The list counts its rows up to this many, and at least ten pages beyond the one shown. */
const LIST_COUNT_LIMIT = 1000;
const LIST_COUNT_PAGES_AHEAD = 10;
/** A keyword search of the list (SQLite) shows at most the newest this many matches. */
export const KEYWORD_MATCH_LIMIT = 1000;

/** "2024-0001" */
export const formatProposalNumber = (fiscalYear: number, sequence: number): string =>
  `${fiscalYear}-${String(sequence).padStart(4, '0')}`;

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => '\\' + c);

/**
 * Proposals as their proposers see them: drafts, submission, withdrawal, and every query scoped to
 * what the asking user may see. The office's and reviewers' steps are in ProposalWorkflowService.
 */
@Injectable()
export class ProposalsService {
  constructor(
    private readonly db: DbService,
    private readonly notifications: NotificationsService,
    @InjectRepository(Proposal) private readonly proposals: Repository<Proposal>,
  ) {}

  // --- reading ---

  async coproposerIds(manager: EntityManager, proposalId: number): Promise<number[]> {
    const rows = await manager
      .createQueryBuilder()
      .select('cp.user_id', 'user_id')
      .from('proposal_coproposers', 'cp')
      .where('cp.proposal_id = :id', { id: proposalId })
      .getRawMany<{ user_id: number }>();
    return rows.map((c) => Number(c.user_id));
  }

  /** The facts the access rules need, loaded in one place. */
  async facts(manager: EntityManager, proposal: Proposal): Promise<ProposalFacts> {
    const routings = await manager.getRepository(Routing).find({ where: { proposalId: proposal.id } });
    return {
      proposerId: proposal.proposerId,
      coproposerIds: await this.coproposerIds(manager, proposal.id),
      status: proposal.status,
      decision: proposal.decision,
      activeRoutingDivisionIds: routings.filter((r) => r.active).map((r) => r.divisionId),
      everRoutedDivisionIds: routings.map((r) => r.divisionId),
      leadDivisionId: proposal.leadDivisionId,
    };
  }

  /** A proposal this user may see, or NotFoundError (never a 403 that would confirm it exists). */
  async getVisible(viewer: Viewer, id: number, manager: EntityManager = this.db.dataSource.manager) {
    const proposal = await manager.getRepository(Proposal).findOne({ where: { id } });
    if (!proposal) throw new NotFoundError();
    const facts = await this.facts(manager, proposal);
    if (!canView(viewer, facts)) throw new NotFoundError();
    return { proposal, facts, actors: actorsFor(viewer, facts) };
  }

  /** Everything the proposal page shows. */
  async detail(viewer: Viewer, id: number) {
    const { facts, actors } = await this.getVisible(viewer, id);
    const proposal = await this.proposals.findOneOrFail({
      where: { id },
      relations: { category: true, proposer: { division: true }, coproposers: true, proposerDivision: true, leadDivision: true },
    });
    const routings = await this.db.dataSource.getRepository(Routing).find({
      where: { proposalId: id },
      relations: { division: true, opinionBy: true },
      order: { isLead: 'DESC', id: 'ASC' },
    });
    const history = await this.db.dataSource.getRepository(ProposalHistoryEntry).find({
      where: { proposalId: id },
      relations: { actor: true },
      order: { id: 'ASC' },
    });
    return { proposal, facts, actors, routings, history };
  }

  /**
   * Only what the user may see, filtered and paged. Built for a million proposals: the page's 20 ids
   * come from the index on (updated_at, id, status, proposer_id) alone, then those 20 rows are loaded
   * with their relations; and the total is counted only as far as the pager needs (LIST_COUNT_LIMIT),
   * so a page view never counts every proposal. Beyond that the page says "N件以上".
   */
  async list(viewer: Viewer, filters: ProposalFilters) {
    const query = this.visibleQuery(viewer);
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
      const keyword = await this.keywordCondition(filters.q, narrowed);
      query.andWhere(keyword.condition);
      searchCut = keyword.cut;
    }

    const offset = (filters.page - 1) * PROPOSALS_PAGE_SIZE;
    const pageIds = (
      await query
        .clone()
        .select('p.id', 'id')
        .orderBy('p.updated_at', 'DESC')
        .addOrderBy('p.id', 'DESC')
        .offset(offset)
        .limit(PROPOSALS_PAGE_SIZE)
        .getRawMany<{ id: number | string }>()
    ).map((r) => Number(r.id));
    const loaded = pageIds.length
      ? await this.proposals.find({ where: { id: In(pageIds) }, relations: { category: true, proposer: true, leadDivision: true } })
      : [];
    const byId = new Map(loaded.map((p) => [p.id, p]));
    const items = pageIds.map((id) => byId.get(id)).filter((p): p is Proposal => p !== undefined);

    const limit = Math.max(LIST_COUNT_LIMIT, offset + PROPOSALS_PAGE_SIZE * LIST_COUNT_PAGES_AHEAD);
    const [sql, params] = query.clone().select('1').limit(limit + 1).getQueryAndParameters();
    const counted = Number((await this.db.dataSource.query(`SELECT COUNT(*) AS n FROM (${sql}) counted`, params))[0].n);
    const more = counted > limit || searchCut;
    const total = Math.min(counted, limit);
    return { items, total, more, searchCut, pages: Math.max(1, Math.ceil(total / PROPOSALS_PAGE_SIZE)) };
  }

  /**
   * The keyword filter of the list: the text in the title or the proposal's text, as LIKE '%…%'
   * finds it, or in the number. A number holds only digits and hyphens, so other text is not
   * compared with numbers (on PostgreSQL that lets the two pg_trgm indexes answer the LIKE).
   *
   * On SQLite, text of three characters or more is looked up in the trigram index (proposals_fts): a
   * phrase there matches exactly where LIKE would (letters of every script compared without case,
   * where LIKE ignores only ASCII case). The index gives the newest matches first; the list is made of
   * at most KEYWORD_MATCH_LIMIT of them (`cut` when there were more), so a common word costs no more
   * than a rare one; the page says so. When the list is `complete`ly searched instead (another filter
   * narrows it), the index answers as a subquery: every match, slower for a common word (about 0.1 s
   * for 50,000 matches among a million). Shorter text has no trigram and is compared row by row.
   */
  private async keywordCondition(q: string, complete: boolean): Promise<{ condition: Brackets; cut: boolean }> {
    const like = `%${escapeLike(q)}%`;
    const number = (w: WhereExpressionBuilder) => {
      if (/^[\d-]+$/.test(q)) w.orWhere("p.number LIKE :like ESCAPE '\\'", { like });
    };
    const phrase = `{title proposal_text} : "${q.replace(/"/g, '""')}"`;
    if (this.db.isSqlite && [...q].length >= 3 && complete) {
      return {
        condition: new Brackets((w) => {
          w.where('p.id IN (SELECT rowid FROM proposals_fts WHERE proposals_fts MATCH :phrase)', { phrase });
          number(w);
        }),
        cut: false,
      };
    }
    if (this.db.isSqlite && [...q].length >= 3) {
      const rows = (await this.db.dataSource.query(`SELECT rowid AS id FROM proposals_fts WHERE proposals_fts MATCH ? ORDER BY rowid DESC LIMIT ?`, [
        phrase,
        KEYWORD_MATCH_LIMIT + 1,
      ])) as { id: number }[];
      const ids = rows.slice(0, KEYWORD_MATCH_LIMIT).map((r) => Number(r.id));
      return {
        condition: new Brackets((w) => {
          // integers from the index, written into the SQL: as a thousand bound parameters they cost more than the query
          w.where(ids.length ? `p.id IN (${ids.map((id) => Math.trunc(id)).join(', ')})` : '1 = 0');
          number(w);
        }),
        cut: rows.length > KEYWORD_MATCH_LIMIT,
      };
    }
    return {
      condition: new Brackets((w) => {
        w.where("p.title LIKE :like ESCAPE '\\'", { like }).orWhere("p.proposal_text LIKE :like ESCAPE '\\'", { like });
        number(w);
      }),
      cut: false,
    };
  }

  /** The user's own and co-proposed proposals, drafts included. */
  mine(userId: number) {
    return this.proposals
      .createQueryBuilder('p')
      .leftJoinAndSelect('p.category', 'category')
      .where(
        new Brackets((w) =>
          w
            .where('p.proposer_id = :me')
            .orWhere('EXISTS (SELECT 1 FROM proposal_coproposers cp WHERE cp.proposal_id = p.id AND cp.user_id = :me)'),
        ),
        { me: userId },
      )
      .orderBy('p.updatedAt', 'DESC')
      .addOrderBy('p.id', 'DESC')
      .getMany();
  }

  /** 採用事例: adopted cases of the whole organization. */
  async adoptedCases(filters: { q?: string; categoryId?: number; page: number }) {
    const query = this.proposals
      .createQueryBuilder('p')
      .leftJoinAndSelect('p.category', 'category')
      .leftJoinAndSelect('p.proposerDivision', 'proposerDivision')
      .leftJoinAndSelect('p.leadDivision', 'leadDivision')
      .where('p.status = :decided', { decided: 'decided' })
      .andWhere('p.decision IN (:...adopted)', { adopted: ADOPTED_CASE_DECISIONS });
    if (filters.categoryId) query.andWhere('p.category_id = :categoryId', { categoryId: filters.categoryId });
    if (filters.q) {
      const like = `%${escapeLike(filters.q)}%`;
      query.andWhere(
        new Brackets((w) => w.where("p.title LIKE :like ESCAPE '\\'", { like }).orWhere("p.proposal_text LIKE :like ESCAPE '\\'", { like })),
      );
    }
    const [items, total] = await query
      .orderBy('p.decidedAt', 'DESC', 'NULLS LAST')
      .skip((filters.page - 1) * PROPOSALS_PAGE_SIZE)
      .take(PROPOSALS_PAGE_SIZE)
      .getManyAndCount();
    return { items, total, pages: Math.max(1, Math.ceil(total / PROPOSALS_PAGE_SIZE)) };
  }

  /**
   * Of these proposals, the submitted ones (never drafts, not even one's own) this user may see; in
   * no particular order. Only the columns a list of similar proposals needs: it runs while typing.
   */
  visibleSubmittedAmong(viewer: Viewer, ids: readonly number[]): Promise<Proposal[]> {
    if (!ids.length) return Promise.resolve([]);
    return this.visibleQuery(viewer)
      .select(['p.id', 'p.number', 'p.title', 'p.status', 'p.decision', 'p.submittedAt', 'p.proposalText', 'p.currentProblem'])
      .andWhere('p.id IN (:...candidateIds)', { candidateIds: [...ids] })
      .andWhere('p.status <> :notDraft', { notDraft: 'draft' })
      .getMany();
  }

  /** The visibility rule of proposal-access.ts as SQL, for lists. */
  private visibleQuery(viewer: Viewer): SelectQueryBuilder<Proposal> {
    const query = this.proposals.createQueryBuilder('p');
    const own = 'p.proposer_id = :me OR EXISTS (SELECT 1 FROM proposal_coproposers cp WHERE cp.proposal_id = p.id AND cp.user_id = :me)';
    if (viewer.roles.includes('office') || viewer.roles.includes('admin')) {
      return query.where(`(p.status <> :draft OR ${own})`, { draft: 'draft', me: viewer.id });
    }
    return query.where(
      new Brackets((w) => {
        w.where(own, { me: viewer.id }).orWhere('(p.status = :decided AND p.decision IN (:...adopted))', {
          decided: 'decided',
          adopted: ADOPTED_CASE_DECISIONS,
        });
        if (viewer.roles.includes('reviewer') && viewer.divisionId !== null) {
          w.orWhere('(p.status <> :draft AND EXISTS (SELECT 1 FROM routings rv WHERE rv.proposal_id = p.id AND rv.division_id = :myDivision))', {
            draft: 'draft',
            myDivision: viewer.divisionId,
          });
        }
      }),
    );
  }

  // --- writing: the proposer's own steps ---

  /**
   * Saves the form as a draft, or saves and submits it. A new form's one-time key makes a second
   * send of the same form return the proposal the first one created instead of making another.
   */
  async save(user: User, dto: ProposalFormDto, id: number | null): Promise<{ proposal: Proposal; submitted: boolean }> {
    const coproposerIds = await this.resolveCoproposers(user, dto.coproposers);
    await this.checkCategory(dto.categoryId, id === null);
    if (dto.intent === 'submit') this.checkComplete(dto);
    try {
      return await this.saveInTransaction(user, dto, id, coproposerIds);
    } catch (error) {
      // Two sends of the same new form raced past the check below: the unique key let one through.
      if (id === null && dto.formKey && isUniqueViolation(error)) {
        const earlier = await this.proposals.findOne({ where: { formKey: dto.formKey, proposerId: user.id } });
        if (earlier) return { proposal: earlier, submitted: earlier.status !== 'draft' };
      }
      throw error;
    }
  }

  private saveInTransaction(user: User, dto: ProposalFormDto, id: number | null, coproposerIds: number[]) {
    return this.db.transaction(async (manager): Promise<{ proposal: Proposal; submitted: boolean }> => {
      const repo = manager.getRepository(Proposal);
      const fields = {
        title: dto.title,
        categoryId: dto.categoryId,
        currentProblem: dto.currentProblem,
        proposalText: dto.proposalText,
        expectedEffect: dto.expectedEffect,
        estimatedHours: dto.estimatedHours,
        estimatedYen: dto.estimatedYen,
      };

      let proposal: Proposal;
      if (id === null) {
        if (dto.formKey) {
          const earlier = await repo.findOne({ where: { formKey: dto.formKey, proposerId: user.id } });
          if (earlier) return { proposal: earlier, submitted: earlier.status !== 'draft' };
        }
        const inserted = await repo.insert({ ...fields, status: 'draft', version: 1, proposerId: user.id, formKey: dto.formKey });
        proposal = await repo.findOneOrFail({ where: { id: inserted.identifiers[0].id as number } });
        await manager.getRepository(ProposalHistoryEntry).insert({
          proposalId: proposal.id,
          actorId: user.id,
          action: 'save_draft',
          fromStatus: null,
          toStatus: 'draft',
          detail: '作成',
        });
      } else {
        const current = await repo.findOne({ where: { id } });
        if (!current) throw new NotFoundError();
        const facts = await this.facts(manager, current);
        if (!canView(user, facts)) throw new NotFoundError();
        await applyTransition(manager, {
          proposal: current,
          action: 'save_draft',
          actors: actorsFor(user, facts),
          expectedVersion: dto.version ?? -1,
          actorId: user.id,
          changes: fields,
        });
        proposal = await repo.findOneOrFail({ where: { id } });
      }
      await this.replaceCoproposers(manager, proposal.id, coproposerIds);

      if (dto.intent !== 'submit') return { proposal, submitted: false };
      await this.submitInTransaction(manager, user, proposal);
      return { proposal: await repo.findOneOrFail({ where: { id: proposal.id } }), submitted: true };
    });
  }

  private async submitInTransaction(manager: EntityManager, user: User, proposal: Proposal): Promise<void> {
    const facts = await this.facts(manager, proposal);
    const firstSubmission = proposal.number === null;
    const now = new Date();
    const changes: Partial<Proposal> = { submittedAt: proposal.submittedAt ?? now };
    if (firstSubmission) {
      // Numbered, and the proposer's division recorded, at the first submission only: a proposal
      // returned and resubmitted keeps its number and fiscal year.
      const fiscalYear = fiscalYearOf(now);
      changes.fiscalYear = fiscalYear;
      changes.number = formatProposalNumber(fiscalYear, await this.nextSequence(manager, fiscalYear));
      changes.proposerDivisionId = user.divisionId;
    }
    await applyTransition(manager, {
      proposal,
      action: 'submit',
      actors: actorsFor(user, facts),
      expectedVersion: proposal.version,
      actorId: user.id,
      changes,
      detail: firstSubmission ? `提案番号 ${changes.number}` : '再提出',
    });
    await this.notifyOffice(manager, proposal.id, `提案「${proposal.title}」が提出されました。受理・回付をお願いします。`);
  }

  /** The next number of a fiscal year; the row update serializes concurrent submissions. */
  private async nextSequence(manager: EntityManager, fiscalYear: number): Promise<number> {
    const repo = manager.getRepository(ProposalNumberSequence);
    await repo.createQueryBuilder().insert().values({ fiscalYear, lastNumber: 0 }).orIgnore().execute();
    await repo
      .createQueryBuilder()
      .update()
      .set({ lastNumber: () => 'last_number + 1' })
      .where('fiscal_year = :fiscalYear', { fiscalYear })
      .execute();
    return (await repo.findOneOrFail({ where: { fiscalYear } })).lastNumber;
  }

  async withdraw(user: User, id: number, dto: CommentDto): Promise<Proposal> {
    return this.db.transaction(async (manager) => {
      const { proposal, facts, actors } = await this.getVisible(user, id, manager);
      await applyTransition(manager, {
        proposal,
        action: 'withdraw',
        actors,
        expectedVersion: dto.version,
        actorId: user.id,
        comment: dto.comment,
      });
      await this.deactivateRoutings(manager, id);
      if (facts.status !== 'draft') {
        await this.notifyOffice(manager, id, `提案「${proposal.title}」が提案者により取り下げられました。`);
      }
      return manager.getRepository(Proposal).findOneOrFail({ where: { id } });
    });
  }

  async deactivateRoutings(manager: EntityManager, proposalId: number): Promise<void> {
    await manager.getRepository(Routing).update({ proposalId, active: true }, { active: false });
  }

  async notifyOffice(manager: EntityManager, proposalId: number, message: string): Promise<void> {
    const office = await manager
      .getRepository(User)
      .createQueryBuilder('u')
      .where("(',' || u.roles || ',') LIKE :role", { role: '%,office,%' })
      .andWhere('u.disabled = :no', { no: false })
      .getMany();
    await this.notifications.notify(manager, { userIds: office.map((u) => u.id), proposalId, kind: 'office', message });
  }

  // --- form rules ---

  private checkComplete(dto: ProposalFormDto): void {
    const errors: FieldErrors = {};
    if (dto.categoryId === null) errors.categoryId = ['提案分野を選んでください。'];
    if (!dto.currentProblem) errors.currentProblem = ['現状・課題を入力してください。'];
    if (!dto.proposalText) errors.proposalText = ['提案内容を入力してください。'];
    if (!dto.expectedEffect) errors.expectedEffect = ['期待される効果を入力してください。'];
    if (Object.keys(errors).length) throw new FormValidationException(errors);
  }

  private async checkCategory(categoryId: number | null, isNew: boolean): Promise<void> {
    if (categoryId === null) return;
    const category = await this.db.dataSource.getRepository(Category).findOne({ where: { id: categoryId } });
    // a retired category may stay on an existing draft but is not offered for new ones
    if (!category || (isNew && !category.active)) throw FormValidationException.field('categoryId', '提案分野を選び直してください。');
  }

  /**
   * Co-proposers typed as login IDs or names. Each must match exactly one active staff member other
   * than the proposer; otherwise the message says which entry was not understood.
   */
  async resolveCoproposers(user: User, typed: string | null): Promise<number[]> {
    if (!typed) return [];
    const entries = [...new Set(typed.split(/[,、，\n]+/).map((s) => s.trim()).filter(Boolean))];
    if (entries.length > 20) throw FormValidationException.field('coproposers', '共同提案者は20人までです。');
    const repo = this.db.dataSource.getRepository(User);
    const ids: number[] = [];
    const problems: string[] = [];
    for (const entry of entries) {
      const login = entry.normalize('NFKC').toLowerCase();
      const byLogin = await repo.findOne({ where: { login, disabled: false } });
      const candidates = byLogin ? [byLogin] : await repo.find({ where: { name: entry, disabled: false } });
      const staff = candidates.filter((c) => c.roles.includes('staff'));
      if (staff.length === 1 && staff[0].id !== user.id) ids.push(staff[0].id);
      else if (staff.length === 1) problems.push(`「${entry}」はご本人です（提案者は共同提案者に含めません）`);
      else if (staff.length > 1) problems.push(`「${entry}」に当たる職員が複数います。ログインIDで指定してください`);
      else problems.push(`「${entry}」に当たる職員が見つかりません`);
    }
    if (problems.length) throw FormValidationException.field('coproposers', problems.join('。') + '。');
    return [...new Set(ids)];
  }

  private async replaceCoproposers(manager: EntityManager, proposalId: number, userIds: number[]): Promise<void> {
    await manager.createQueryBuilder().delete().from('proposal_coproposers').where('proposal_id = :proposalId', { proposalId }).execute();
    if (userIds.length) {
      await manager
        .createQueryBuilder()
        .insert()
        .into('proposal_coproposers')
        .values(userIds.map((userId) => ({ proposal_id: proposalId, user_id: userId })))
        .execute();
    }
  }

  /** Names of co-proposers, for refilling the form. */
  async coproposerLogins(proposalId: number): Promise<string> {
    const users = await this.db.dataSource
      .getRepository(User)
      .createQueryBuilder('u')
      .innerJoin('proposal_coproposers', 'cp', 'cp.user_id = u.id AND cp.proposal_id = :proposalId', { proposalId })
      .orderBy('u.login')
      .getMany();
    return users.map((u) => u.login).join(', ');
  }

  findByIds(ids: number[]): Promise<Proposal[]> {
    return ids.length ? this.proposals.find({ where: { id: In(ids) } }) : Promise.resolve([]);
  }
}
