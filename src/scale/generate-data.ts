/**
 * Pure generators of realistic test data at scale: an organization, its staff, and proposals with
 * their history, routings and co-proposers, in every state and decision in the proportions a
 * reform office sees. No I/O: the same seed gives the same rows, and bulk-load.ts writes them.
 *
 * Rows come out as arrays in the column order of the *_COLUMNS lists below, because building a
 * million objects only to take them apart again would cost more than the database insert itself.
 * Instants are epoch milliseconds and flags are booleans; the writer puts them in each engine's form.
 */
import { fiscalYearOf } from '../common/fiscal-year';
import { jstDateString } from '../common/jst';
import type { DivisionKind } from '../organization/division.entity';
import {
  ACTION_LABELS,
  Decision,
  DECISION_LABELS,
  ImplementationStatus,
  IMPLEMENTATION_LABELS,
  NOT_ACCEPTED_REASON_LABELS,
  NotAcceptedReason,
  ProposalAction,
  ProposalStatus,
} from '../proposals/proposal-state-machine';
import type { Role } from '../users/roles';
import * as P from './phrases';

// --- columns ---------------------------------------------------------------------------------

export const PROPOSAL_COLUMNS = [
  'id',
  'number',
  'fiscal_year',
  'status',
  'version',
  'title',
  'category_id',
  'current_problem',
  'proposal_text',
  'expected_effect',
  'estimated_hours',
  'estimated_yen',
  'proposer_id',
  'proposer_division_id',
  'lead_division_id',
  'not_accepted_reason',
  'decision',
  'decision_reason',
  'answer',
  'implementation_status',
  'implemented_on',
  'actual_hours',
  'actual_yen',
  'implementation_note',
  'submitted_at',
  'decided_at',
  'created_at',
  'updated_at',
] as const;
export const HISTORY_COLUMNS = ['proposal_id', 'actor_id', 'action', 'from_status', 'to_status', 'detail', 'comment', 'created_at'] as const;
export const ROUTING_COLUMNS = [
  'proposal_id',
  'division_id',
  'is_lead',
  'due_on',
  'active',
  'opinion_outcome',
  'opinion_text',
  'opinion_by',
  'opinion_at',
  'created_at',
] as const;
export const COPROPOSER_COLUMNS = ['proposal_id', 'user_id'] as const;

/** How a column's value has to be turned into what the engine stores. */
export type ColumnKind = 'instant' | 'flag';
export const COLUMN_KINDS: Record<string, Partial<Record<string, ColumnKind>>> = {
  proposals: { submitted_at: 'instant', decided_at: 'instant', created_at: 'instant', updated_at: 'instant' },
  proposal_history: { created_at: 'instant' },
  routings: { is_lead: 'flag', active: 'flag', opinion_at: 'instant', created_at: 'instant' },
  proposal_coproposers: {},
};

const col = <T extends readonly string[]>(columns: T) => Object.fromEntries(columns.map((c, i) => [c, i])) as { [K in T[number]]: number };
/** Column positions, for reading generated rows in tests and summaries. */
export const PC = col(PROPOSAL_COLUMNS);
export const HC = col(HISTORY_COLUMNS);
export const RC = col(ROUTING_COLUMNS);

// --- randomness ------------------------------------------------------------------------------

/** A small, fast, seedable generator (mulberry32): the same seed always gives the same data. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** A stream of its own for one part of the data (a fiscal year), the same whatever is generated before it. */
  static derived(seed: number, part: number): Rng {
    return new Rng(Math.imul((seed >>> 0) ^ 0x85ebca6b, 0xc2b2ae35) ^ Math.imul(part + 1, 0x9e3779b1));
  }

  /** In [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** One key, with the probability of its weight among all weights. */
  weighted<K>(table: WeightTable<K>): K {
    let x = this.next() * table.total;
    for (const [key, weight] of table.entries) {
      x -= weight;
      if (x < 0) return key;
    }
    return table.entries[table.entries.length - 1][0];
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

export interface WeightTable<K> {
  entries: readonly (readonly [K, number])[];
  total: number;
}
export const weights = <K>(entries: readonly (readonly [K, number])[]): WeightTable<K> => ({
  entries,
  total: entries.reduce((sum, [, w]) => sum + w, 0),
});

// --- the organization and its staff ----------------------------------------------------------

export interface DivisionPlan {
  code: string;
  name: string;
  kind: DivisionKind;
  parentCode: string | null;
  sortOrder: number;
}

/** 20 bureaus × 3 departments × 5 sections, with codes such as 110000 (局), 112000 (部), 112100 (課). */
export function planOrganization(): DivisionPlan[] {
  const plan: DivisionPlan[] = [];
  P.ORGANIZATION.forEach(([bureau, departments], b) => {
    const bureauCode = `${11 + b}0000`;
    plan.push({ code: bureauCode, name: bureau, kind: 'bureau', parentCode: null, sortOrder: Number(bureauCode) });
    departments.forEach(([department, sections], d) => {
      const departmentCode = `${11 + b}${d + 1}000`;
      plan.push({ code: departmentCode, name: department, kind: 'department', parentCode: bureauCode, sortOrder: Number(departmentCode) });
      sections.forEach((section, s) => {
        const code = `${11 + b}${d + 1}${s + 1}00`;
        plan.push({ code, name: section, kind: 'section', parentCode: departmentCode, sortOrder: Number(code) });
      });
    });
  });
  return plan;
}

/** The reform office's section code in planOrganization(). */
export function reformOfficeCode(plan: readonly DivisionPlan[] = planOrganization()): string {
  const bureau = plan.find((d) => d.kind === 'bureau' && d.name === P.REFORM_OFFICE.bureau)!;
  const department = plan.find((d) => d.parentCode === bureau.code && d.name === P.REFORM_OFFICE.department)!;
  return plan.find((d) => d.parentCode === department.code && d.name === P.REFORM_OFFICE.section)!.code;
}

export interface StaffPlan {
  login: string;
  name: string;
  email: string;
  roles: Role[];
  divisionCode: string;
}

/** Staff in proportion to the proposals: 1 per 200, at least one per section and at most 5,000. */
export const staffCountFor = (proposals: number): number => Math.max(400, Math.min(5000, Math.ceil(proposals / 200)));

export const OFFICE_STAFF = 5;

/**
 * Staff spread over the sections, the first of each section its reviewer (審査担当); five members of
 * the reform office with the office role and one administrator. Logins are s00001, s00002, …
 */
export function planStaff(count: number, organization: readonly DivisionPlan[], rng: Rng): StaffPlan[] {
  const sections = organization.filter((d) => d.kind === 'section');
  const office = reformOfficeCode(organization);
  const staff: StaffPlan[] = [];
  for (let i = 0; i < count; i++) {
    const login = `s${String(i + 1).padStart(5, '0')}`;
    const inOffice = i < OFFICE_STAFF;
    const section = inOffice ? office : sections[i % sections.length].code;
    const roles: Role[] = ['staff'];
    if (inOffice) roles.push('office');
    else if (i < OFFICE_STAFF + sections.length) roles.push('reviewer');
    if (i === OFFICE_STAFF + sections.length) roles.push('admin');
    staff.push({ login, name: `${rng.pick(P.SURNAMES)} ${rng.pick(P.GIVEN_NAMES)}`, email: `${login}@city.example.lg.jp`, roles, divisionCode: section });
  }
  return staff;
}

// --- fiscal years ----------------------------------------------------------------------------

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const JST = 9 * HOUR;

/** The first instant of a fiscal year (1 April, 00:00 Japan time). */
export const fiscalYearStart = (fiscalYear: number): number => Date.UTC(fiscalYear, 3, 1) - JST;

export interface YearPlan {
  fiscalYear: number;
  count: number;
}

/**
 * How many proposals each fiscal year gets: a scheme that grows over the years (a later year has
 * about twice an early one), some noise, and the current year only in proportion to how much of it
 * has passed. The counts add up to `total` exactly.
 */
export function planYears(total: number, fromYear: number, toYear: number, now: number, rng: Rng): YearPlan[] {
  const years: { fiscalYear: number; weight: number }[] = [];
  for (let y = fromYear; y <= toYear; y++) {
    const start = fiscalYearStart(y);
    const end = fiscalYearStart(y + 1);
    const elapsed = Math.max(0, Math.min(1, (Math.min(now, end) - start) / (end - start)));
    const growth = 0.6 + 0.8 * (toYear === fromYear ? 1 : (y - fromYear) / (toYear - fromYear));
    years.push({ fiscalYear: y, weight: growth * rng.between(0.85, 1.15) * elapsed });
  }
  const sum = years.reduce((s, y) => s + y.weight, 0);
  if (sum <= 0) throw new Error('no time has passed in the given fiscal years');
  const exact = years.map((y) => (total * y.weight) / sum);
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((s, c) => s + c, 0);
  const byRemainder = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
  for (let k = 0; left > 0; k = (k + 1) % byRemainder.length, left--) counts[byRemainder[k][1]]++;
  return years.map((y, i) => ({ fiscalYear: y.fiscalYear, count: counts[i] }));
}

// --- proposals -------------------------------------------------------------------------------

/** What a proposal's path through the workflow looks like, chosen by how long ago it was submitted. */
type Path = ProposalStatus | 'withdrawn_draft' | 'withdrawn_submitted' | 'withdrawn_review';

/**
 * Shares of each end state by the proposal's age. Old proposals are settled (about a quarter
 * adopted, a fifth implemented, a few percent not accepted, withdrawn or continued); recent ones are
 * mostly still in screening or review.
 */
const PATHS_BY_AGE: readonly { maxDays: number; table: WeightTable<Path> }[] = [
  {
    maxDays: 30,
    table: weights<Path>([
      ['draft', 8],
      ['withdrawn_draft', 1],
      ['withdrawn_submitted', 1],
      ['submitted', 40],
      ['returned', 5],
      ['not_accepted', 2],
      ['under_review', 38],
      ['awaiting_decision', 4],
      ['decided', 1],
    ]),
  },
  {
    maxDays: 120,
    table: weights<Path>([
      ['draft', 3],
      ['withdrawn_draft', 1],
      ['withdrawn_submitted', 1],
      ['withdrawn_review', 1],
      ['submitted', 5],
      ['returned', 2],
      ['not_accepted', 5],
      ['under_review', 35],
      ['awaiting_decision', 17],
      ['continued', 5],
      ['decided', 25],
    ]),
  },
  {
    maxDays: 400,
    table: weights<Path>([
      ['draft', 1],
      ['withdrawn_draft', 0.6],
      ['withdrawn_submitted', 1.5],
      ['withdrawn_review', 0.9],
      ['submitted', 0.5],
      ['returned', 0.5],
      ['not_accepted', 5],
      ['under_review', 4],
      ['awaiting_decision', 3],
      ['continued', 6],
      ['decided', 77],
    ]),
  },
  {
    maxDays: Infinity,
    table: weights<Path>([
      ['draft', 0.4],
      ['withdrawn_draft', 0.5],
      ['withdrawn_submitted', 1.2],
      ['withdrawn_review', 0.8],
      ['returned', 0.1],
      ['not_accepted', 5],
      ['under_review', 0.1],
      ['awaiting_decision', 0.1],
      ['continued', 2],
      ['decided', 89.8],
    ]),
  },
];

const DECISION_SPLIT = weights<Exclude<Decision, 'continued'>>([
  ['adopted', 20],
  ['partially_adopted', 8],
  ['rejected', 64],
  ['already_implemented', 8],
]);

/** Where the implementation of an adopted proposal stands, by the proposal's age. */
const IMPLEMENTATION_BY_AGE: readonly WeightTable<ImplementationStatus>[] = [
  weights<ImplementationStatus>([
    ['not_started', 60],
    ['in_progress', 30],
    ['implemented', 8],
    ['abandoned', 2],
  ]),
  weights<ImplementationStatus>([
    ['not_started', 60],
    ['in_progress', 30],
    ['implemented', 8],
    ['abandoned', 2],
  ]),
  weights<ImplementationStatus>([
    ['not_started', 20],
    ['in_progress', 35],
    ['implemented', 35],
    ['abandoned', 10],
  ]),
  weights<ImplementationStatus>([
    ['not_started', 3],
    ['in_progress', 7],
    ['implemented', 58],
    ['abandoned', 32],
  ]),
];

const NOT_ACCEPTED_SPLIT = weights<NotAcceptedReason>([
  ['complaint_only', 35],
  ['unclear', 20],
  ['duplicate', 35],
  ['other', 10],
]);

const OPINION_OUTCOMES: readonly Decision[] = ['adopted', 'partially_adopted', 'rejected', 'already_implemented', 'continued'];

/** The proposal form's categories (提案分野) weighted as staff use them; missing weights count 1. */
const CATEGORY_WEIGHTS = [4, 1, 2, 2, 3, 1, 4, 2, 1, 2, 1];

/** Everything the generator needs from the database: ids of what already exists. */
export interface GenerationContext {
  now: number;
  /** Sections (課) that proposals are routed to, each with its reviewer. */
  sections: readonly { id: number; name: string; reviewerId: number }[];
  /** Everyone who may propose, with their section. */
  staff: readonly { id: number; divisionId: number }[];
  officeIds: readonly number[];
  /** Active categories in the order of the form. */
  categoryIds: readonly number[];
}

export interface ProposalChunk {
  proposals: unknown[][];
  history: unknown[][];
  routings: unknown[][];
  coproposers: unknown[][];
}

interface PlannedProposal {
  at: number;
  path: Path;
  number: string | null;
}

/** The same format as the app's formatProposalNumber: 2024-0001. */
const proposalNumber = (fiscalYear: number, sequence: number): string => `${fiscalYear}-${String(sequence).padStart(4, '0')}`;

/**
 * A time within [from, to) on a weekday (mostly) during office hours in Japan, when staff write
 * and submit proposals.
 */
export function workingTime(rng: Rng, from: number, to: number): number {
  let t = rng.between(from, to);
  for (let attempt = 0; attempt < 4; attempt++) {
    const weekday = new Date(t + JST).getUTCDay();
    if ((weekday !== 0 && weekday !== 6) || rng.chance(0.15)) break;
    t = rng.between(from, to);
  }
  const midnight = Math.floor((t + JST) / DAY) * DAY - JST;
  const inHours = midnight + 8.5 * HOUR + rng.next() * 9.5 * HOUR;
  return inHours >= from && inHours < to ? Math.floor(inHours) : Math.floor(t);
}

/** Index into the by-age tables. */
const ageBucket = (ageMs: number): number => PATHS_BY_AGE.findIndex((p) => ageMs <= p.maxDays * DAY);

/** Whether a path has been submitted (and so has a number and a fiscal year). */
const isSubmittedPath = (path: Path): boolean => path !== 'draft' && path !== 'withdrawn_draft';

export class ProposalGenerator {
  private readonly proposers: { id: number; divisionId: number }[];
  private readonly staffIds: number[];
  private readonly staffBySection = new Map<number, number[]>();
  /** The current fiscal year's stream (see year()). */
  private rng: Rng;
  private readonly sectionById = new Map<number, { id: number; name: string; reviewerId: number }>();
  private readonly categories: WeightTable<number>;

  constructor(
    private readonly ctx: GenerationContext,
    private readonly seed: number,
  ) {
    if (!ctx.sections.length || !ctx.staff.length || !ctx.officeIds.length) throw new Error('the organization has no sections, staff or office');
    this.rng = new Rng(seed);
    // A few prolific proposers and many occasional ones: a fixed random order, picked with a skew.
    this.proposers = this.rng.shuffle([...ctx.staff]);
    this.staffIds = ctx.staff.map((s) => s.id);
    for (const s of ctx.staff) {
      const list = this.staffBySection.get(s.divisionId) ?? this.staffBySection.set(s.divisionId, []).get(s.divisionId)!;
      list.push(s.id);
    }
    for (const s of ctx.sections) this.sectionById.set(s.id, s);
    this.categories = weights(ctx.categoryIds.map((id, i) => [id, CATEGORY_WEIGHTS[i] ?? 1] as const));
  }

  /**
   * One fiscal year's proposals in chunks, in the order they were submitted: ids from `firstId`,
   * numbers from `firstSequence` in submission order (drafts never submitted get none). Each year
   * has its own random stream, so years can be generated in any order or in parallel.
   */
  *year(fiscalYear: number, count: number, firstId: number, firstSequence: number, chunkSize = 2000): Generator<ProposalChunk & { lastSequence: number }> {
    const rng = Rng.derived(this.seed, fiscalYear);
    this.rng = rng;
    const start = fiscalYearStart(fiscalYear);
    const end = Math.min(fiscalYearStart(fiscalYear + 1), this.ctx.now);
    if (end <= start) throw new Error(`fiscal year ${fiscalYear} has not started yet`);
    const planned: PlannedProposal[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const at = workingTime(this.rng, start, end);
      planned[i] = { at, path: this.rng.weighted(PATHS_BY_AGE[ageBucket(this.ctx.now - at)].table), number: null };
    }
    planned.sort((a, b) => a.at - b.at);
    let sequence = firstSequence - 1;
    for (const p of planned) if (isSubmittedPath(p.path)) p.number = proposalNumber(fiscalYear, ++sequence);

    for (let offset = 0; offset < count; offset += chunkSize) {
      const chunk: ProposalChunk & { lastSequence: number } = { proposals: [], history: [], routings: [], coproposers: [], lastSequence: sequence };
      this.rng = rng;
      for (let i = offset; i < Math.min(count, offset + chunkSize); i++) this.proposal(chunk, firstId + i, fiscalYear, planned[i]);
      yield chunk;
    }
  }

  private proposal(out: ProposalChunk, id: number, fiscalYear: number, plan: PlannedProposal): void {
    const rng = this.rng;
    const now = this.ctx.now;
    const proposer = this.proposers[Math.floor(this.proposers.length * rng.next() ** 1.6)];
    const text = this.texts();
    const hours = rng.chance(0.8) ? Math.round(10 ** rng.between(1, 3.4)) : null;
    const yen = rng.chance(0.7) ? Math.round(10 ** rng.between(4, 6.7) / 1000) * 1000 : null;
    const row: unknown[] = new Array(PROPOSAL_COLUMNS.length).fill(null);
    row[PC.id] = id;
    row[PC.title] = text.title;
    row[PC.category_id] = rng.chance(0.97) ? rng.weighted(this.categories) : null;
    row[PC.current_problem] = text.currentProblem;
    row[PC.proposal_text] = text.proposalText;
    row[PC.expected_effect] = hours ? `${text.expectedEffect}年間約${hours.toLocaleString('ja-JP')}時間の削減が見込まれる。` : text.expectedEffect;
    row[PC.estimated_hours] = hours;
    row[PC.estimated_yen] = yen;
    row[PC.proposer_id] = proposer.id;

    const history: unknown[][] = [];
    const event = (
      at: number,
      actorId: number | null,
      action: ProposalAction | 'implementation',
      from: ProposalStatus | null,
      to: ProposalStatus,
      detail: string | null,
      comment: string | null = null,
    ) => history.push([id, actorId, action, from, to, detail, comment, at]);

    const path = plan.path;
    if (!isSubmittedPath(path)) {
      // written, never sent: no number, no fiscal year
      event(plan.at, proposer.id, 'save_draft', null, 'draft', '作成');
      let status: ProposalStatus = 'draft';
      if (path === 'withdrawn_draft') {
        const at = Math.min(now - 1, plan.at + rng.between(1, 60) * DAY);
        event(at, proposer.id, 'withdraw', 'draft', 'withdrawn', null, rng.chance(0.5) ? rng.pick(P.WITHDRAW_COMMENTS) : null);
        status = 'withdrawn';
      }
      row[PC.status] = status;
      this.finish(out, row, history);
      return;
    }

    const submittedAt = plan.at;
    row[PC.number] = plan.number;
    row[PC.fiscal_year] = fiscalYear;
    row[PC.submitted_at] = submittedAt;
    row[PC.proposer_division_id] = proposer.divisionId;
    const office = () => rng.pick(this.ctx.officeIds);

    // The steps after submission as gaps in days; squeezed into the time left until now if needed.
    const steps: { gap: number; apply: (at: number) => void }[] = [];
    const step = (minDays: number, maxDays: number, apply: (at: number) => void) => steps.push({ gap: rng.between(minDays, maxDays) * DAY, apply });
    let status: ProposalStatus = 'submitted';
    const move = (at: number, actorId: number | null, action: ProposalAction, to: ProposalStatus, detail: string | null, comment: string | null = null) => {
      event(at, actorId, action, status, to, detail, comment);
      status = to;
    };

    const reachesScreening = path !== 'submitted' && path !== 'withdrawn_submitted';
    const returnedOnce = path === 'returned' || (reachesScreening && rng.chance(0.04));
    if (returnedOnce) {
      step(1, 6, (at) => move(at, office(), 'return', 'returned', null, rng.pick(P.RETURN_COMMENTS)));
      if (path !== 'returned') step(1, 10, (at) => move(at, proposer.id, 'submit', 'submitted', '再提出'));
    }
    if (path === 'withdrawn_submitted') {
      step(1, 30, (at) => move(at, proposer.id, 'withdraw', 'withdrawn', null, rng.chance(0.5) ? rng.pick(P.WITHDRAW_COMMENTS) : null));
    }
    if (path === 'not_accepted') {
      const reason = rng.weighted(NOT_ACCEPTED_SPLIT);
      const comment = rng.pick(P.NOT_ACCEPTED_COMMENTS);
      step(2, 20, (at) => {
        move(at, office(), 'not_accept', 'not_accepted', `理由: ${NOT_ACCEPTED_REASON_LABELS[reason]}`, comment);
        row[PC.not_accepted_reason] = reason;
        row[PC.answer] = comment;
        row[PC.decided_at] = at;
      });
    }

    const routed = ['under_review', 'awaiting_decision', 'continued', 'decided', 'withdrawn_review'].includes(path);
    let finalDecision: Exclude<Decision, 'continued'> | null = null;
    if (routed) {
      if (path === 'decided') finalDecision = rng.weighted(DECISION_SPLIT);
      const lead = rng.chance(0.25) ? (this.sectionById.get(proposer.divisionId) ?? rng.pick(this.ctx.sections)) : rng.pick(this.ctx.sections);
      const divisions = [lead];
      const related = rng.chance(0.3) ? (rng.chance(0.25) ? 2 : 1) : 0;
      for (let k = 0; k < related * 3 && divisions.length < 1 + related; k++) {
        const candidate = rng.pick(this.ctx.sections);
        if (!divisions.includes(candidate)) divisions.push(candidate);
      }
      row[PC.lead_division_id] = lead.id;
      const allOpinions = path === 'awaiting_decision' || path === 'continued' || path === 'decided';
      const opinionGiven = divisions.map(() => allOpinions || rng.chance(0.4));
      if (!allOpinions && opinionGiven.every(Boolean)) opinionGiven[opinionGiven.length - 1] = false;
      const routingRows: unknown[][] = [];

      step(2, 14, (at) => {
        const dueOn = jstDateString(new Date(at + 30 * DAY));
        const relatedNames = divisions.slice(1).map((d) => d.name);
        move(
          at,
          office(),
          'accept',
          'under_review',
          `主管課: ${lead.name}${relatedNames.length ? `、関係課: ${relatedNames.join('・')}` : ''}（回答期限 ${dueOn}）`,
        );
        divisions.forEach((d, k) => {
          const r: unknown[] = [id, d.id, k === 0, dueOn, true, null, null, null, null, at];
          routingRows.push(r);
          out.routings.push(r);
        });
      });
      divisions.forEach((d, k) => {
        if (!opinionGiven[k]) return;
        const outcome = finalDecision && rng.chance(0.7) ? finalDecision : rng.pick(OPINION_OUTCOMES);
        const opinion = rng.pick(P.OPINIONS[outcome]);
        step(k === 0 ? 5 : 0.5, k === 0 ? 40 : 10, (at) => {
          move(at, d.reviewerId, 'give_opinion', 'under_review', `${d.name}の意見: ${DECISION_LABELS[outcome]}`, opinion);
          const r = routingRows[k];
          r[RC.opinion_outcome] = outcome;
          r[RC.opinion_text] = opinion;
          r[RC.opinion_by] = d.reviewerId;
          r[RC.opinion_at] = at;
        });
      });
      if (allOpinions) step(0, 0, (at) => move(at, null, 'complete_opinions', 'awaiting_decision', 'すべての回付先から意見がそろいました'));
      const decideStep = (decision: Decision) => (at: number) => {
        const reason = rng.pick(P.DECISION_REASONS[decision]);
        move(
          at,
          office(),
          decision === 'continued' ? 'continue' : 'decide',
          decision === 'continued' ? 'continued' : 'decided',
          `採否: ${DECISION_LABELS[decision]}`,
          reason,
        );
        row[PC.decision] = decision;
        row[PC.decision_reason] = reason;
        row[PC.answer] = rng.pick(
          decision === 'rejected' ? P.ANSWERS.slice(2, 4) : decision === 'already_implemented' ? P.ANSWERS.slice(4) : P.ANSWERS.slice(0, 3),
        );
        row[PC.decided_at] = at;
      };
      // 継続検討 stays open; a few decided ones went through it first and were decided a season later
      const continuedFirst = path === 'continued' || (path === 'decided' && rng.chance(0.05));
      if (continuedFirst) step(7, 60, decideStep('continued'));
      if (path === 'decided') step(continuedFirst ? 60 : 7, continuedFirst ? 300 : 60, decideStep(finalDecision!));
      if (path === 'withdrawn_review')
        step(3, 40, (at) => move(at, proposer.id, 'withdraw', 'withdrawn', null, rng.chance(0.5) ? rng.pick(P.WITHDRAW_COMMENTS) : null));
      // a decision and a withdrawal end the routings (the opinions stay)
      if (path === 'decided' || path === 'withdrawn_review') steps.push({ gap: 0, apply: () => routingRows.forEach((r) => (r[RC.active] = false)) });
    }

    // Implementation (実施状況), a track of its own after 採用・一部採用; 既実施 is 実施済 at once.
    let implementationSteps: { from: ImplementationStatus; to: ImplementationStatus }[] = [];
    let implementation: ImplementationStatus | null = null;
    if (finalDecision === 'adopted' || finalDecision === 'partially_adopted') {
      implementation = rng.weighted(IMPLEMENTATION_BY_AGE[ageBucket(now - submittedAt)]);
      const via = implementation !== 'not_started' && rng.chance(0.6);
      implementationSteps =
        implementation === 'not_started'
          ? []
          : implementation === 'in_progress'
            ? [{ from: 'not_started', to: 'in_progress' }]
            : via
              ? [
                  { from: 'not_started', to: 'in_progress' },
                  { from: 'in_progress', to: implementation },
                ]
              : [{ from: 'not_started', to: implementation }];
    } else if (finalDecision === 'already_implemented') {
      implementation = 'implemented';
    }
    for (const move of implementationSteps) {
      const reporter = this.sectionById.get(row[PC.lead_division_id] as number)!.reviewerId;
      step(move.to === 'in_progress' ? 10 : 30, move.to === 'in_progress' ? 90 : 300, (at) => {
        const on = jstDateString(new Date(at));
        event(
          at,
          reporter,
          'implementation',
          'decided',
          'decided',
          `実施状況: ${IMPLEMENTATION_LABELS[move.from]} → ${IMPLEMENTATION_LABELS[move.to]}${move.to === 'implemented' ? `（実施日 ${on}）` : ''}`,
          move.to === 'abandoned' ? rng.pick(P.ABANDON_NOTES) : null,
        );
        if (move.to === 'implemented') row[PC.implemented_on] = on;
        if (move.to === 'abandoned') row[PC.implementation_note] = history[history.length - 1][HC.comment];
      });
    }

    // Times: created a little before submission; later steps after it, squeezed to end before now.
    const createdAt = Math.floor(submittedAt - rng.between(0.02, 7) * DAY);
    event(createdAt, proposer.id, 'save_draft', null, 'draft', '作成');
    event(submittedAt, proposer.id, 'submit', 'draft', 'submitted', `提案番号 ${plan.number}`);
    const total = steps.reduce((sum, s) => sum + s.gap, 0);
    const room = now - submittedAt - 60_000;
    const scale = total > room ? Math.max(0, room) / total : 1;
    let at = submittedAt;
    for (const s of steps) {
      at += Math.max(1000, Math.floor(s.gap * scale));
      s.apply(Math.min(at, now - 1));
    }

    row[PC.status] = status;
    row[PC.implementation_status] = implementation;
    if (finalDecision === 'already_implemented') row[PC.implemented_on] = jstDateString(new Date(row[PC.decided_at] as number));
    if (implementation === 'implemented') {
      row[PC.actual_hours] = Math.max(1, Math.round((hours ?? rng.int(20, 500)) * rng.between(0.4, 1.3)));
      row[PC.actual_yen] = yen === null && rng.chance(0.5) ? null : Math.round(((yen ?? 100_000) * rng.between(0.4, 1.3)) / 1000) * 1000;
      if (row[PC.implementation_note] === null && rng.chance(0.3)) row[PC.implementation_note] = rng.pick(P.IMPLEMENTATION_NOTES);
    }
    if (rng.chance(0.12)) this.coproposers(out, id, proposer);
    this.finish(out, row, history);
  }

  private finish(out: ProposalChunk, row: unknown[], history: unknown[][]): void {
    row[PC.version] = history.length;
    row[PC.created_at] = history[0][HC.created_at];
    row[PC.updated_at] = history[history.length - 1][HC.created_at];
    out.proposals.push(row);
    for (const h of history) out.history.push(h);
  }

  private coproposers(out: ProposalChunk, id: number, proposer: { id: number; divisionId: number }): void {
    const colleagues = this.staffBySection.get(proposer.divisionId) ?? [];
    const chosen = new Set<number>();
    const wanted = this.rng.int(1, 3);
    for (let k = 0; k < wanted * 3 && chosen.size < wanted; k++) {
      const candidate = this.rng.pick(this.rng.chance(0.7) && colleagues.length > 1 ? colleagues : this.staffIds);
      if (candidate !== proposer.id) chosen.add(candidate);
    }
    for (const userId of chosen) out.coproposers.push([id, userId]);
  }

  /** A title and texts that read like a staff suggestion. */
  private texts() {
    const rng = this.rng;
    const target = rng.pick(P.TARGETS);
    const action = rng.pick(P.ACTIONS);
    const effect = rng.pick(P.EFFECTS);
    const form = rng.int(0, 3);
    const title =
      form === 0
        ? `${target}の${action}`
        : form === 1
          ? `${target}の${action}による${effect}`
          : form === 2
            ? `${effect}に向けた${target}の${action}`
            : `${target}における${action}について`;
    const currentProblem =
      `現在、${target}は${rng.pick(P.CURRENT_WAYS)}。そのため、${rng.pick(P.PROBLEMS)}。` +
      (rng.chance(0.5) ? `特に年度末などの繁忙期には、${rng.pick(P.PROBLEMS)}。` : '');
    const proposalText =
      `${target}について、${action}を行う。具体的には、${rng.pick(P.MEASURES)}。` +
      (rng.chance(0.5) ? `あわせて、${rng.pick(P.TARGETS)}の${rng.pick(P.ACTIONS)}も進める。` : '');
    const expectedEffect = `${effect}と${rng.pick(P.EFFECTS)}が見込まれる。`;
    return { title, currentProblem, proposalText, expectedEffect };
  }
}

/** The fiscal year the generator may fill up to: the current one (no proposals from the future). */
export const currentFiscalYear = (now: number): number => fiscalYearOf(new Date(now));

/** The labels the history page shows, checked by the unit test against every action generated. */
export const KNOWN_ACTIONS: readonly string[] = [...Object.keys(ACTION_LABELS), 'implementation'];
