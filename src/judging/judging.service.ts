import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { ConflictError, NotFoundError } from '../common/errors';
import { FieldErrors, FormValidationException } from '../common/forms';
import { formatDateLabel } from '../common/jst';
import { DbService } from '../database/db.service';
import { NotificationsService } from '../notifications/notifications.service';
import type { User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import { CriteriaDto, EntriesDto, ExtendDto, JudgesDto, ReopenDto, RoundDto, RoundSettingsDto, SheetDto } from './dto/judging.dto';
import { EntryResult, rankEntries, RoundCriterion } from './judging-results';
import { Conflict, conflictOf, splitTypedList, scoringWindow, ScoringWindow, WINDOW_MESSAGES } from './judging-rules';
import { JudgingCriterion, JudgingRound } from './judging.entities';
import { EntryRow, JudgeRow, JudgingRepository, StoredSheet } from './judging.repository';

export const CRITERIA_MAX = 10;

/** The sheet's field for the criterion at `position` (score1 … score10). */
export const scoreField = (dto: SheetDto, position: number): string | undefined => (dto as Record<string, unknown>)[`score${position}`] as string | undefined;
export const WEIGHT_MAX = 10;
export const SCALE_MAX_LIMIT = 10;

/** Raised when a judge saves outside the scoring window: the form comes back with what they typed. */
export class ScoringClosedError extends FormValidationException {
  constructor(window: Exclude<ScoringWindow, 'open'>) {
    super({ _form: [WINDOW_MESSAGES[window]] }, 409);
  }
}

/** A round's entries with each judge's conflict of interest worked out. */
export interface RoundParticipants {
  entries: EntryRow[];
  judges: JudgeRow[];
  /** `${proposalId}:${judgeId}` → the conflict, for the cells a judge does not score. */
  conflicts: Map<string, Conflict>;
}

export const cellKey = (proposalId: number, judgeId: number): string => `${proposalId}:${judgeId}`;

/** Notification kind of "please score this round"; opening it goes to the judge's list of rounds. */
export const JUDGING_NOTIFICATION_KIND = 'judging';

/**
 * 審査 (review rounds): the office prepares a round (entries, judges), opens it, judges score within its
 * window, the office closes it and reads the ranking. The rules live here and in judging-rules.ts and
 * judging-results.ts; every query is in JudgingRepository.
 */
@Injectable()
export class JudgingService {
  constructor(
    private readonly repository: JudgingRepository,
    private readonly db: DbService,
    private readonly clock: Clock,
    private readonly notifications: NotificationsService,
    private readonly users: UsersRepository,
  ) {}

  // --- criteria ---

  criteria(): Promise<JudgingCriterion[]> {
    return this.repository.criteria();
  }

  /** Replaces the office's criteria; rounds already opened keep their own copy. */
  async saveCriteria(dto: CriteriaDto): Promise<void> {
    const errors: FieldErrors = {};
    const rows: Omit<JudgingCriterion, 'id'>[] = [];
    dto.name.forEach((rawName, i) => {
      const name = rawName.trim();
      if (!name) return;
      const line = `${i + 1}行目（${name}）`;
      const weight = Number((dto.weight[i] ?? '').normalize('NFKC').trim());
      const scaleMax = Number((dto.scaleMax[i] ?? '').normalize('NFKC').trim());
      const description = (dto.description[i] ?? '').trim() || null;
      if (name.length > 50) (errors.criteria ??= []).push(`${line}：基準の名称は50文字以内で入力してください。`);
      if (/[\r\n]/.test(name) || /[\r\n]/.test(description ?? '')) (errors.criteria ??= []).push(`${line}：改行は入力できません。1行で入力してください。`);
      if (description && description.length > 200) (errors.criteria ??= []).push(`${line}：観点の説明は200文字以内で入力してください。`);
      if (!Number.isInteger(weight) || weight < 1 || weight > WEIGHT_MAX)
        (errors.criteria ??= []).push(`${line}：重みを 1〜${WEIGHT_MAX} の整数で入力してください。`);
      if (!Number.isInteger(scaleMax) || scaleMax < 2 || scaleMax > SCALE_MAX_LIMIT)
        (errors.criteria ??= []).push(`${line}：段階を 2〜${SCALE_MAX_LIMIT} の整数で入力してください（5なら1〜5点）。`);
      rows.push({ position: rows.length + 1, name, description, weight, scaleMax });
    });
    if (!rows.length) (errors.criteria ??= []).push('審査基準を1つ以上入力してください。');
    if (rows.length > CRITERIA_MAX) (errors.criteria ??= []).push(`審査基準は${CRITERIA_MAX}個までです。`);
    if (new Set(rows.map((r) => r.name)).size !== rows.length) (errors.criteria ??= []).push('同じ名称の審査基準が2つあります。');
    if (Object.keys(errors).length) throw new FormValidationException(errors);
    await this.db.transaction((manager) => this.repository.replaceCriteria(manager, rows));
  }

  // --- rounds (the office) ---

  rounds() {
    return this.repository.rounds();
  }

  async round(id: number): Promise<JudgingRound> {
    const round = await this.repository.round(id);
    if (!round) throw new NotFoundError();
    return round;
  }

  private checkDates(dto: { opensOn: string; closesOn: string }): void {
    if (dto.closesOn < dto.opensOn) throw FormValidationException.field('closesOn', '締切日は開始日と同じか、それより後の日にしてください。');
  }

  async createRound(user: User, dto: RoundDto): Promise<number> {
    this.checkDates(dto);
    return this.db.transaction(async (manager) => {
      const id = await this.repository.insertRound(manager, {
        name: dto.name,
        fiscalYear: dto.fiscalYear,
        opensOn: dto.opensOn,
        closesOn: dto.closesOn,
        blind: dto.blind,
        trimmed: dto.trimmed,
        createdBy: user.id,
      });
      await this.repository.addEvent(manager, id, 'created', user.id);
      return id;
    });
  }

  /** Settings change only while the round is prepared: once judges score, its window, blindness and ranking rule stay as announced. */
  async updateRound(id: number, dto: RoundSettingsDto): Promise<void> {
    this.checkDates(dto);
    await this.db.transaction(async (manager) => {
      const round = await this.repository.round(id, manager);
      if (!round) throw new NotFoundError();
      if (round.status !== 'preparing') throw new ConflictError('審査を始めた後は設定を変えられません（締切日は「再開」で延ばせます）。');
      const changes = { name: dto.name, fiscalYear: dto.fiscalYear, opensOn: dto.opensOn, closesOn: dto.closesOn, blind: dto.blind, trimmed: dto.trimmed };
      if (!(await this.repository.updateRound(manager, round, { status: 'preparing', version: dto.version }, changes))) throw this.stale();
    });
  }

  private stale(): ConflictError {
    return new ConflictError('ほかの人がこの審査を先に変更しました。画面を開き直して、今の状態を確かめてください。');
  }

  private async preparing(manager: EntityManager, id: number): Promise<JudgingRound> {
    const round = await this.repository.round(id, manager);
    if (!round) throw new NotFoundError();
    if (round.status !== 'preparing') throw new ConflictError('審査を始めた後は、対象の提案と審査員を変えられません。');
    return round;
  }

  /** Adds entries; returns how many were added and the typed numbers that are not submitted proposals. */
  async addEntries(id: number, dto: EntriesDto): Promise<{ added: number; missing: string[] }> {
    const round = await this.round(id);
    let proposalIds: number[];
    let missing: string[] = [];
    if (dto.mode === 'numbers') {
      const numbers = splitTypedList(dto.numbers ?? '');
      if (!numbers.length) throw FormValidationException.field('numbers', '提案番号を入力してください。');
      if (numbers.length > 500) throw FormValidationException.field('numbers', '一度に追加できるのは500件までです。');
      const found = await this.repository.enterable({ numbers });
      missing = numbers.filter((n) => !found.some((p) => p.number === n));
      proposalIds = numbers.flatMap((n) => found.filter((p) => p.number === n).map((p) => p.id));
    } else if (dto.mode === 'filter') {
      if (!dto.decisions.length) throw FormValidationException.field('decisions', '採否を1つ以上選んでください。');
      proposalIds = (await this.repository.enterable({ fiscalYear: round.fiscalYear, decisions: dto.decisions })).map((p) => p.id);
    } else {
      if (!dto.previousRoundId) throw FormValidationException.field('previousRoundId', '前の審査を選んでください。');
      if (!dto.topN) throw FormValidationException.field('topN', '上位何件かを 1〜200 の数で入力してください。');
      const previous = await this.repository.round(dto.previousRoundId);
      if (!previous || previous.status !== 'closed' || previous.id === id)
        throw FormValidationException.field('previousRoundId', '締め切った前の審査を選んでください。');
      const ranking = (await this.results(previous.id)).ranking;
      // the top N by rank: an entry tied with the N-th also goes through (a tie is not broken by entry order)
      const cut = ranking.filter((r) => r.rank !== null)[dto.topN - 1]?.rank ?? Infinity;
      proposalIds = ranking.filter((r) => r.rank !== null && r.rank <= cut).map((r) => r.proposalId);
    }
    const added = await this.db.transaction(async (manager) => {
      await this.preparing(manager, id);
      return this.repository.addEntries(manager, id, proposalIds);
    });
    return { added, missing };
  }

  async removeEntry(id: number, proposalId: number): Promise<void> {
    await this.db.transaction(async (manager) => {
      await this.preparing(manager, id);
      await this.repository.removeEntry(manager, id, proposalId);
    });
  }

  /** The judges: chosen 審査員 and users named by login id. */
  async setJudges(id: number, dto: JudgesDto): Promise<number> {
    const logins = splitTypedList(dto.logins ?? '');
    const named = await this.repository.usersByLogin(logins);
    const unknown = logins.filter((l) => !named.some((u) => u.login === l));
    if (unknown.length) throw FormValidationException.field('logins', `次のログインIDの有効な利用者はいません：${unknown.join('、')}`);
    const pool = new Set(await this.users.idsWithRole('judge'));
    const current = new Set((await this.repository.judges(id)).map((j) => j.userId));
    // a judge already on the round stays choosable even after losing the role (the box is shown ticked)
    const chosen = dto.judgeIds.filter((userId) => pool.has(userId) || current.has(userId));
    if (chosen.length !== dto.judgeIds.length) throw FormValidationException.field('judgeIds', '審査員を選び直してください。');
    const judgeIds = [...new Set([...chosen, ...named.map((u) => u.id)])];
    await this.db.transaction(async (manager) => {
      await this.preparing(manager, id);
      await this.repository.replaceJudges(manager, id, judgeIds);
    });
    return judgeIds.length;
  }

  /** Starts the round: the criteria are copied as they are now, and the judges are asked to score. */
  async open(user: User, id: number, version: number): Promise<void> {
    await this.db.transaction(async (manager) => {
      const round = await this.preparing(manager, id);
      // one after another: a transaction is one connection (pg deprecates overlapping queries on a client)
      const entries = await this.repository.entries(id, manager);
      const judges = await this.repository.judges(id, manager);
      const criteria = await this.repository.criteria(manager);
      if (!entries.length) throw new ConflictError('対象の提案がありません。提案を追加してから審査を始めてください。');
      if (!judges.length) throw new ConflictError('審査員がいません。審査員を選んでから審査を始めてください。');
      if (!(await this.repository.updateRound(manager, round, { status: 'preparing', version }, { status: 'open' }))) throw this.stale();
      await this.repository.copyCriteria(manager, id, criteria);
      await this.repository.addEvent(manager, id, 'opened', user.id);
      // The message names the round and its dates only: in a blind round nothing about proposers may reach a judge.
      await this.notifications.notify(manager, {
        userIds: judges.map((j) => j.userId),
        proposalId: null,
        kind: JUDGING_NOTIFICATION_KIND,
        message: `審査「${round.name}」の採点をお願いします（${entries.length}件、${formatDateLabel(round.opensOn)}〜${formatDateLabel(round.closesOn)}）。`,
      });
    });
  }

  /**
   * Moves an open round's closing date (not before today, nor before it opens), recorded with the old and
   * new dates and the reason; the judges are told.
   */
  async extend(user: User, id: number, dto: ExtendDto): Promise<void> {
    if (dto.closesOn < this.clock.today()) throw FormValidationException.field('closesOn', '新しい締切日は今日以降の日にしてください。');
    await this.db.transaction(async (manager) => {
      const round = await this.repository.round(id, manager);
      if (!round) throw new NotFoundError();
      if (round.status !== 'open') throw new ConflictError('審査中の審査だけ締切日を変えられます（締め切った審査は「再開」で）。');
      this.checkDates({ opensOn: round.opensOn, closesOn: dto.closesOn });
      if (!(await this.repository.updateRound(manager, round, { status: 'open', version: dto.version }, { closesOn: dto.closesOn }))) throw this.stale();
      const change = `締切日 ${formatDateLabel(round.closesOn)} → ${formatDateLabel(dto.closesOn)}`;
      await this.repository.addEvent(manager, id, 'extended', user.id, dto.reason ? `${change}：${dto.reason}` : change);
      const judges = await this.repository.judges(id, manager);
      await this.notifications.notify(manager, {
        userIds: judges.map((j) => j.userId),
        proposalId: null,
        kind: JUDGING_NOTIFICATION_KIND,
        message: `審査「${round.name}」の締切日が${formatDateLabel(dto.closesOn)}に変わりました。`,
      });
    });
  }

  /** Ends scoring; the results appear. */
  async close(user: User, id: number, version: number): Promise<void> {
    await this.db.transaction(async (manager) => {
      const round = await this.repository.round(id, manager);
      if (!round) throw new NotFoundError();
      if (round.status !== 'open') throw new ConflictError('審査中の審査だけを締め切れます。');
      if (!(await this.repository.updateRound(manager, round, { status: 'open', version }, { status: 'closed', closedAt: this.clock.now() })))
        throw this.stale();
      await this.repository.addEvent(manager, id, 'closed', user.id);
    });
  }

  /** Opens a closed round again, with a reason that is kept, until a new closing date. */
  async reopen(user: User, id: number, dto: ReopenDto): Promise<void> {
    if (dto.closesOn < this.clock.today()) throw FormValidationException.field('closesOn', '新しい締切日は今日以降の日にしてください。');
    await this.db.transaction(async (manager) => {
      const round = await this.repository.round(id, manager);
      if (!round) throw new NotFoundError();
      this.checkDates({ opensOn: round.opensOn, closesOn: dto.closesOn });
      if (round.status !== 'closed') throw new ConflictError('締め切った審査だけを再開できます。');
      if (
        !(await this.repository.updateRound(
          manager,
          round,
          { status: 'closed', version: dto.version },
          { status: 'open', closesOn: dto.closesOn, closedAt: null },
        ))
      )
        throw this.stale();
      await this.repository.addEvent(manager, id, 'reopened', user.id, dto.reason);
    });
  }

  /** Entries and judges with the conflicts of interest between them. */
  async participants(id: number): Promise<RoundParticipants> {
    const [entries, judges] = await Promise.all([this.repository.entries(id), this.repository.judges(id)]);
    const conflicts = new Map<string, Conflict>();
    for (const entry of entries)
      for (const judge of judges) {
        const conflict = conflictOf(judge, entry);
        if (conflict) conflicts.set(cellKey(entry.proposalId, judge.userId), conflict);
      }
    return { entries, judges, conflicts };
  }

  /** The criteria a round scores by: its own copy once opened, the office's current ones before. */
  async criteriaOf(round: JudgingRound): Promise<RoundCriterion[]> {
    return round.status === 'preparing' ? this.repository.criteria() : this.repository.roundCriteria(round.id);
  }

  /**
   * How far scoring is: per entry, the judges who finished it out of those who may score it; per judge,
   * the entries they finished out of theirs. Counts only, no scores (the live screen shows it).
   */
  async progress(round: JudgingRound) {
    const [{ entries, judges, conflicts }, criteria, sheets] = await Promise.all([
      this.participants(round.id),
      this.criteriaOf(round),
      this.repository.sheets(round.id),
    ]);
    const complete = new Set(
      sheets
        .filter((s) => !conflicts.has(cellKey(s.proposalId, s.judgeId)) && criteria.every((c) => s.scores[c.position] !== undefined))
        .map((s) => cellKey(s.proposalId, s.judgeId)),
    );
    const judgeIds = new Set(judges.map((j) => j.userId));
    const done = (proposalId: number, judgeId: number) => complete.has(cellKey(proposalId, judgeId)) && judgeIds.has(judgeId);
    return {
      entries: entries.map((e) => {
        const eligible = judges.filter((j) => !conflicts.has(cellKey(e.proposalId, j.userId)));
        const finished = eligible.filter((j) => done(e.proposalId, j.userId)).length;
        return {
          ...e,
          eligible: eligible.length,
          finished,
          excluded: judges.length - eligible.length,
          allDone: eligible.length > 0 && finished === eligible.length,
        };
      }),
      judges: judges.map((j) => {
        const eligible = entries.filter((e) => !conflicts.has(cellKey(e.proposalId, j.userId)));
        return { ...j, eligible: eligible.length, finished: eligible.filter((e) => done(e.proposalId, j.userId)).length };
      }),
      conflicts,
    };
  }

  /**
   * The ranking of a round from the complete sheets of its judges, leaving out cells with a conflict
   * of interest (a sheet there can only be left from before a judge's division changed).
   */
  async results(id: number): Promise<{ round: JudgingRound; criteria: RoundCriterion[]; ranking: (EntryResult & { entry: EntryRow; eligible: number })[] }> {
    const round = await this.round(id);
    const [{ entries, judges, conflicts }, criteria, sheets] = await Promise.all([this.participants(id), this.criteriaOf(round), this.repository.sheets(id)]);
    const judgeIds = new Set(judges.map((j) => j.userId));
    const counted = sheets.filter((s) => judgeIds.has(s.judgeId) && !conflicts.has(cellKey(s.proposalId, s.judgeId)));
    const byId = new Map(entries.map((e) => [e.proposalId, e]));
    const ranking = rankEntries(
      criteria,
      entries.map((e) => e.proposalId),
      counted,
      { trimmed: round.trimmed },
    ).map((r) => ({ ...r, entry: byId.get(r.proposalId)!, eligible: judges.filter((j) => !conflicts.has(cellKey(r.proposalId, j.userId))).length }));
    return { round, criteria, ranking };
  }

  events(id: number) {
    return this.repository.events(id);
  }

  scoreLog(id: number) {
    return this.repository.scoreLog(id, 500);
  }

  closedRounds(fiscalYear: number) {
    return this.repository.closedRounds(fiscalYear);
  }

  judgePool(): Promise<User[]> {
    return this.users.withRole('judge');
  }

  // --- the judge's side ---

  roundsOfJudge(user: User) {
    return this.repository.roundsOfJudge(user.id);
  }

  /** The judge's open rounds with how far they are (the dashboard's 採点 section). */
  async openRoundsOfJudge(user: User) {
    const rounds = (await this.repository.roundsOfJudge(user.id)).filter((r) => r.status === 'open');
    return Promise.all(
      rounds.map(async (round) => {
        const { rows, window } = await this.entriesForJudge(user, round.id);
        const countable = rows.filter((r) => r.state !== 'excluded');
        return { round, window, done: countable.filter((r) => r.state === 'done').length, total: countable.length };
      }),
    );
  }

  /** A round as its judge sees it; to anyone else (and before it opens) it does not exist. */
  async roundForJudge(user: User, id: number): Promise<JudgingRound> {
    const round = await this.repository.round(id);
    if (!round || round.status === 'preparing' || !(await this.repository.isJudge(id, user.id))) throw new NotFoundError();
    return round;
  }

  window(round: JudgingRound): ScoringWindow {
    return scoringWindow(round, this.clock.today());
  }

  /** One entry of the judge's round, with their conflict (if any) and their sheet. */
  async entryForJudge(user: User, id: number, proposalId: number) {
    const place = await this.judgedEntry(user, id, proposalId);
    const [sheet, proposal, attachments] = await Promise.all([
      this.repository.sheet(id, proposalId, user.id),
      this.repository.proposal(proposalId),
      this.repository.attachments(proposalId),
    ]);
    if (!proposal) throw new NotFoundError();
    return { ...place, proposal, attachments, sheet, window: this.window(place.round) };
  }

  /**
   * What the sheet's page and its save both need: the judge's round, the entry with its neighbours, the
   * criteria and the judge's conflict. Not found unless the user judges the round and the proposal is in it.
   */
  private async judgedEntry(user: User, id: number, proposalId: number) {
    const round = await this.roundForJudge(user, id);
    const [{ entries, judges }, criteria] = await Promise.all([this.participants(id), this.criteriaOf(round)]);
    const index = entries.findIndex((e) => e.proposalId === proposalId);
    if (index < 0) throw new NotFoundError();
    const entry = entries[index];
    return {
      round,
      entry,
      criteria,
      conflict: conflictOf(
        judges.find((j) => j.userId === user.id)!,
        entry,
      ),
      previous: entries[index - 1] ?? null,
      next: entries[index + 1] ?? null,
      count: entries.length,
    };
  }

  /** The entries of a judge's round with what they did on each. */
  async entriesForJudge(user: User, id: number) {
    const round = await this.roundForJudge(user, id);
    const [{ entries, judges }, criteria, sheets] = await Promise.all([this.participants(id), this.criteriaOf(round), this.repository.sheets(id)]);
    const judge = judges.find((j) => j.userId === user.id)!;
    const mine = new Map(sheets.filter((s) => s.judgeId === user.id).map((s) => [s.proposalId, s]));
    const rows = entries.map((entry) => {
      const conflict = conflictOf(judge, entry);
      const sheet = mine.get(entry.proposalId);
      const scored = sheet ? criteria.filter((c) => sheet.scores[c.position] !== undefined).length : 0;
      return {
        entry,
        conflict,
        state: conflict ? ('excluded' as const) : scored === criteria.length ? ('done' as const) : scored ? ('partial' as const) : ('todo' as const),
      };
    });
    return { round, rows, window: this.window(round) };
  }

  /**
   * Saves a judge's sheet. Refused, with what they typed kept, outside the window, after a close and
   * for a conflict of interest; partial sheets are fine (a judge can come back). Returns the next
   * entry's proposal id, for 「保存して次へ」.
   */
  async saveSheet(user: User, id: number, proposalId: number, dto: SheetDto): Promise<number | null> {
    const { entry, criteria, conflict, next } = await this.judgedEntry(user, id, proposalId);
    if (conflict) throw new ConflictError('利害関係のある提案のため、この提案は採点しません。');
    // The sheet's form always sends every criterion ("" for 未採点) and the comment: a post without them
    // is not the sheet (another form, an unparsed body) and must not be read as "clear everything".
    if (dto.comment === undefined || criteria.some((c) => scoreField(dto, c.position) === undefined)) {
      throw new FormValidationException({ _form: ['採点の画面から送信されていません。画面を開き直してから、もう一度保存してください。'] }, 400);
    }
    const scores: Record<number, number> = {};
    const errors: string[] = [];
    for (const c of criteria) {
      const value = scoreField(dto, c.position);
      if (value === undefined || value === '') continue;
      const score = /^\d{1,2}$/.test(value) ? Number(value) : NaN;
      if (!(score >= 1 && score <= c.scaleMax)) errors.push(`${c.name}の評点を 1〜${c.scaleMax} から選んでください。`);
      else scores[c.position] = score;
    }
    const unknown = Object.keys(dto).filter(
      (k) => /^score\d+$/.test(k) && !criteria.some((c) => `score${c.position}` === k) && scoreField(dto, Number(k.slice(5))),
    );
    if (unknown.length) errors.push('評点を選び直してください（画面を開き直してください）。');
    if (errors.length) throw new FormValidationException({ scores: [...new Set(errors)] });
    const after: StoredSheet = { scores, comment: dto.comment ? dto.comment : null };
    const key = { roundId: id, proposalId: entry.proposalId, judgeId: user.id };
    await this.db.transaction(async (manager) => {
      // the round as it is now, inside the transaction: a close that committed first wins
      if (!(await this.repository.holdOpenRound(manager, id))) throw new ScoringClosedError('closed');
      const window = this.window((await this.repository.round(id, manager))!);
      if (window !== 'open') throw new ScoringClosedError(window);
      const before = await this.repository.sheet(id, entry.proposalId, user.id, manager);
      await this.repository.writeSheet(manager, key, before, after);
    });
    return next?.proposalId ?? null;
  }

  /** An attachment of an entry, for the round's judge (named neutrally by the controller in a blind round). */
  async attachmentForJudge(user: User, id: number, proposalId: number, attachmentId: number) {
    const { round } = await this.judgedEntry(user, id, proposalId);
    const attachments = await this.repository.attachments(proposalId);
    const index = attachments.findIndex((a) => a.id === attachmentId);
    if (index < 0) throw new NotFoundError();
    const content = await this.repository.attachmentContent(attachmentId);
    return { round, index, attachment: attachments[index], content };
  }

  /** The ranking for a judge, once the round is closed (before that, no judge sees another's scores). */
  async resultsForJudge(user: User, id: number) {
    const round = await this.roundForJudge(user, id);
    if (round.status !== 'closed') throw new NotFoundError('結果は、改革推進課が審査を締め切った後に表示されます。');
    return this.results(id);
  }
}
