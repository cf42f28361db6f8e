import { fiscalYearOf } from '../../src/common/fiscal-year';
import { PROPOSAL_STATUSES } from '../../src/proposals/proposal-state-machine';
import {
  fiscalYearStart,
  GenerationContext,
  HC,
  KNOWN_ACTIONS,
  PC,
  planOrganization,
  planStaff,
  planYears,
  PROPOSAL_COLUMNS,
  ProposalChunk,
  ProposalGenerator,
  RC,
  reformOfficeCode,
  Rng,
  staffCountFor,
  workingTime,
} from '../../src/scale/generate-data';
import { InsertBuilder, literal, sqliteInstant } from '../../src/scale/sql-literals';

// A fixed "now" (Sunday 22 November 2026, 13:00 JST): fiscal year 2026 is under way.
const NOW = Date.UTC(2026, 10, 22, 4, 0, 0);

function context(): GenerationContext {
  const organization = planOrganization();
  const staffPlan = planStaff(600, organization, new Rng(7));
  const sectionCodes = organization.filter((d) => d.kind === 'section').map((d) => d.code);
  const idOfSection = (code: string) => 1000 + sectionCodes.indexOf(code);
  return {
    now: NOW,
    sections: sectionCodes.map((code) => {
      const reviewer = staffPlan.findIndex((s) => s.divisionCode === code && s.roles.includes('reviewer'));
      return { id: idOfSection(code), name: organization.find((d) => d.code === code)!.name, reviewerId: reviewer + 1 };
    }),
    staff: staffPlan.map((s, i) => ({ id: i + 1, divisionId: idOfSection(s.divisionCode) })),
    officeIds: staffPlan.flatMap((s, i) => (s.roles.includes('office') ? [i + 1] : [])),
    categoryIds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
  };
}

/** All chunks of one fiscal year, merged. */
function generateYear(seed: number, fiscalYear: number, count: number, firstId = 1, firstSequence = 1): ProposalChunk & { lastSequence: number } {
  const all = { proposals: [] as unknown[][], history: [] as unknown[][], routings: [] as unknown[][], coproposers: [] as unknown[][], lastSequence: 0 };
  for (const chunk of new ProposalGenerator(context(), seed).year(fiscalYear, count, firstId, firstSequence, 700)) {
    all.proposals.push(...chunk.proposals);
    all.history.push(...chunk.history);
    all.routings.push(...chunk.routings);
    all.coproposers.push(...chunk.coproposers);
    all.lastSequence = chunk.lastSequence;
  }
  return all;
}

const COUNTED = (p: unknown[]) => p[PC.fiscal_year] !== null && p[PC.status] !== 'draft' && p[PC.status] !== 'withdrawn';
const share = (rows: unknown[][], test: (p: unknown[]) => boolean) => rows.filter(test).length / rows.length;

describe('generate-data: the organization and its staff', () => {
  it('has 20 bureaus of 3 departments of 5 sections, with unique codes and existing parents', () => {
    const plan = planOrganization();
    expect(plan.filter((d) => d.kind === 'bureau')).toHaveLength(20);
    expect(plan.filter((d) => d.kind === 'department')).toHaveLength(60);
    expect(plan.filter((d) => d.kind === 'section')).toHaveLength(300);
    expect(new Set(plan.map((d) => d.code)).size).toBe(plan.length);
    const kindOf = new Map(plan.map((d) => [d.code, d.kind]));
    for (const d of plan) {
      if (d.kind === 'bureau') expect(d.parentCode).toBeNull();
      else expect(kindOf.get(d.parentCode!)).toBe(d.kind === 'department' ? 'bureau' : 'department');
    }
    expect(plan.find((d) => d.code === reformOfficeCode(plan))!.name).toBe('改革推進課');
  });

  it('gives every section a reviewer, the reform office five office members, and unique logins', () => {
    const organization = planOrganization();
    const staff = planStaff(staffCountFor(1_000_000), organization, new Rng(1));
    expect(staff).toHaveLength(5000);
    expect(staffCountFor(2000)).toBe(400);
    expect(new Set(staff.map((s) => s.login)).size).toBe(staff.length);
    const office = staff.filter((s) => s.roles.includes('office'));
    expect(office).toHaveLength(5);
    expect(new Set(office.map((s) => s.divisionCode))).toEqual(new Set([reformOfficeCode(organization)]));
    for (const section of organization.filter((d) => d.kind === 'section')) {
      expect(staff.some((s) => s.divisionCode === section.code && s.roles.includes('reviewer'))).toBe(true);
    }
    expect(staff.filter((s) => s.roles.includes('admin'))).toHaveLength(1);
  });
});

describe('generate-data: fiscal years', () => {
  it('shares the total out exactly, the later years larger, the current one only for the part that has passed', () => {
    const years = planYears(1_000_000, 2005, 2026, NOW, new Rng(3));
    expect(years.map((y) => y.fiscalYear)).toEqual(Array.from({ length: 22 }, (_, i) => 2005 + i));
    expect(years.reduce((s, y) => s + y.count, 0)).toBe(1_000_000);
    const count = (fy: number) => years.find((y) => y.fiscalYear === fy)!.count;
    expect(count(2024)).toBeGreaterThan(count(2006) * 1.4);
    // 2026 has run from 1 April to 22 November: about 65% of a year
    expect(count(2026) / count(2025)).toBeGreaterThan(0.45);
    expect(count(2026) / count(2025)).toBeLessThan(0.85);
  });

  it('picks working times inside the range, mostly on weekdays in office hours (Japan time)', () => {
    const rng = new Rng(5);
    const from = fiscalYearStart(2018);
    const to = fiscalYearStart(2019);
    const times = Array.from({ length: 5000 }, () => workingTime(rng, from, to));
    expect(times.every((t) => t >= from && t < to && fiscalYearOf(new Date(t)) === 2018)).toBe(true);
    const jst = times.map((t) => new Date(t + 9 * 3_600_000));
    expect(
      share(
        jst.map((d) => [d]),
        ([d]) => [0, 6].includes((d as Date).getUTCDay()),
      ),
    ).toBeLessThan(0.1);
    expect(
      share(
        jst.map((d) => [d]),
        ([d]) => (d as Date).getUTCHours() >= 8 && (d as Date).getUTCHours() < 18,
      ),
    ).toBeGreaterThan(0.9);
  });
});

describe('generate-data: proposals', () => {
  it('is deterministic: the same seed gives the same rows, another seed other rows', () => {
    const a = generateYear(42, 2015, 300);
    const b = generateYear(42, 2015, 300);
    const c = generateYear(43, 2015, 300);
    expect(b).toEqual(a);
    expect(c.proposals.map((p) => p[PC.title])).not.toEqual(a.proposals.map((p) => p[PC.title]));
  });

  it('numbers the submitted proposals of a year in order of submission, from the given sequence, without gaps', () => {
    const year = generateYear(1, 2019, 3000, 501, 41);
    const submitted = year.proposals.filter((p) => p[PC.number] !== null);
    expect(year.proposals.map((p) => p[PC.id])).toEqual(Array.from({ length: 3000 }, (_, i) => 501 + i));
    expect(submitted.map((p) => p[PC.number])).toEqual(submitted.map((_, i) => `2019-${String(41 + i).padStart(4, '0')}`));
    expect(year.lastSequence).toBe(40 + submitted.length);
    const times = submitted.map((p) => p[PC.submitted_at] as number);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    for (const p of submitted) {
      expect(fiscalYearOf(new Date(p[PC.submitted_at] as number))).toBe(2019);
      expect(p[PC.fiscal_year]).toBe(2019);
    }
    for (const p of year.proposals.filter((x) => x[PC.number] === null)) {
      expect(['draft', 'withdrawn']).toContain(p[PC.status]);
      expect(p[PC.fiscal_year]).toBeNull();
      expect(p[PC.submitted_at]).toBeNull();
    }
  });

  it('settled years: about a quarter adopted, a fifth implemented, a few percent not accepted, withdrawn or continued', () => {
    const year = generateYear(9, 2014, 20_000);
    const counted = year.proposals.filter(COUNTED);
    const adopted = share(counted, (p) => p[PC.status] === 'decided' && ['adopted', 'partially_adopted'].includes(p[PC.decision] as string));
    const implemented = share(counted, (p) => p[PC.implementation_status] === 'implemented');
    expect(adopted).toBeGreaterThan(0.22);
    expect(adopted).toBeLessThan(0.29);
    expect(implemented).toBeGreaterThan(0.18);
    expect(implemented).toBeLessThan(0.25);
    for (const [status, low, high] of [
      ['not_accepted', 0.03, 0.07],
      ['withdrawn', 0.01, 0.04],
      ['continued', 0.01, 0.035],
    ] as const) {
      const s = share(year.proposals, (p) => p[PC.status] === status);
      expect([status, s > low && s < high]).toEqual([status, true]);
    }
    expect(share(counted, (p) => ['submitted', 'returned', 'under_review', 'awaiting_decision'].includes(p[PC.status] as string))).toBeLessThan(0.01);
  });

  it('recent proposals are mostly undecided; every state and every decision occurs', () => {
    const current = generateYear(11, 2026, 4000);
    const counted = current.proposals.filter(COUNTED);
    expect(share(counted, (p) => ['submitted', 'returned', 'under_review', 'awaiting_decision'].includes(p[PC.status] as string))).toBeGreaterThan(0.3);
    const mixed = [...generateYear(11, 2012, 3000).proposals, ...current.proposals];
    expect(new Set(mixed.map((p) => p[PC.status]))).toEqual(new Set(PROPOSAL_STATUSES));
    expect(new Set(mixed.map((p) => p[PC.decision]))).toEqual(new Set([null, 'adopted', 'partially_adopted', 'rejected', 'already_implemented', 'continued']));
    expect(new Set(mixed.map((p) => p[PC.implementation_status]))).toEqual(new Set([null, 'not_started', 'in_progress', 'implemented', 'abandoned']));
  });

  it('keeps each history consistent with the state: a chain of steps in time, ending where the proposal is', () => {
    const year = generateYear(5, 2025, 3000, 1);
    const byProposal = new Map<number, unknown[][]>();
    for (const h of year.history) {
      const list = byProposal.get(h[HC.proposal_id] as number) ?? byProposal.set(h[HC.proposal_id] as number, []).get(h[HC.proposal_id] as number)!;
      list.push(h);
    }
    for (const p of year.proposals) {
      const history = byProposal.get(p[PC.id] as number)!;
      expect(history[0].slice(HC.action, HC.detail + 1)).toEqual(['save_draft', null, 'draft', '作成']);
      expect(p[PC.version]).toBe(history.length);
      expect(history[history.length - 1][HC.to_status]).toBe(p[PC.status]);
      expect(p[PC.created_at]).toBe(history[0][HC.created_at]);
      expect(p[PC.updated_at]).toBe(history[history.length - 1][HC.created_at]);
      for (let i = 1; i < history.length; i++) {
        expect(history[i][HC.from_status]).toBe(history[i - 1][HC.to_status]);
        expect(history[i][HC.created_at] as number).toBeGreaterThanOrEqual(history[i - 1][HC.created_at] as number);
      }
      for (const h of history) {
        expect(KNOWN_ACTIONS).toContain(h[HC.action]);
        expect(h[HC.created_at] as number).toBeLessThanOrEqual(NOW);
      }
      if (p[PC.number]) expect(history[1][HC.detail]).toBe(`提案番号 ${p[PC.number]}`);
    }
  });

  it('routes accepted proposals to one lead division; decisions and withdrawals end the routings', () => {
    const year = generateYear(8, 2025, 3000);
    const routingsOf = new Map<number, unknown[][]>();
    for (const r of year.routings) routingsOf.set(r[RC.proposal_id] as number, [...(routingsOf.get(r[RC.proposal_id] as number) ?? []), r]);
    for (const p of year.proposals) {
      const routings = routingsOf.get(p[PC.id] as number) ?? [];
      if (p[PC.lead_division_id] === null) {
        expect(routings).toEqual([]);
        continue;
      }
      expect(routings.filter((r) => r[RC.is_lead])).toHaveLength(1);
      expect(routings.find((r) => r[RC.is_lead])![RC.division_id]).toBe(p[PC.lead_division_id]);
      expect(new Set(routings.map((r) => r[RC.division_id])).size).toBe(routings.length);
      const ended = p[PC.status] === 'decided' || p[PC.status] === 'withdrawn';
      expect(routings.every((r) => r[RC.active] === !ended)).toBe(true);
      if (['awaiting_decision', 'continued', 'decided'].includes(p[PC.status] as string)) {
        expect(routings.every((r) => r[RC.opinion_at] !== null && r[RC.opinion_by] !== null)).toBe(true);
      }
      if (p[PC.status] === 'under_review') expect(routings.some((r) => r[RC.opinion_at] === null)).toBe(true);
    }
  });

  it('fills the decision and implementation fields as the app would', () => {
    const year = generateYear(13, 2016, 5000);
    for (const p of year.proposals) {
      const status = p[PC.status];
      const decision = p[PC.decision];
      if (status === 'decided') expect(['adopted', 'partially_adopted', 'rejected', 'already_implemented']).toContain(decision);
      else if (status === 'continued') expect(decision).toBe('continued');
      else expect(decision).toBeNull();
      expect(p[PC.not_accepted_reason] !== null).toBe(status === 'not_accepted');
      expect(p[PC.decided_at] !== null).toBe(['decided', 'continued', 'not_accepted'].includes(status as string));
      const expectedTrack =
        decision === 'already_implemented'
          ? ['implemented']
          : ['adopted', 'partially_adopted'].includes(decision as string) && status === 'decided'
            ? ['not_started', 'in_progress', 'implemented', 'abandoned']
            : [null];
      expect(expectedTrack).toContain(p[PC.implementation_status]);
      expect(p[PC.implemented_on] !== null).toBe(p[PC.implementation_status] === 'implemented');
      if (p[PC.implemented_on]) expect((p[PC.implemented_on] as string) <= '2026-11-22').toBe(true);
      expect((p[PC.title] as string).length).toBeLessThanOrEqual(100);
    }
    expect(year.proposals[0]).toHaveLength(PROPOSAL_COLUMNS.length);
  });
});

describe('generate-data: SQL text', () => {
  it('quotes text for each engine and refuses what cannot be stored', () => {
    expect(literal("市民の'声'", 'sqlite')).toBe("'市民の''声'''");
    expect(literal("a\\b'c", 'postgres')).toBe("E'a\\\\b''c'");
    expect(literal(null, 'sqlite')).toBe('NULL');
    expect(literal(true, 'sqlite')).toBe('1');
    expect(literal(false, 'postgres')).toBe('FALSE');
    expect(literal(12.5, 'postgres')).toBe('12.5');
    expect(() => literal('a\0b', 'sqlite')).toThrow();
    expect(() => literal(Number.NaN, 'sqlite')).toThrow();
    expect(() => literal({}, 'sqlite')).toThrow();
  });

  it('writes instants as TypeORM stores them in SQLite (UTC text) and as ISO for PostgreSQL', () => {
    for (const ms of [0, Date.UTC(2018, 2, 31, 14, 50, 0, 7), NOW + 123, Date.UTC(2030, 11, 31, 23, 59, 59, 999)]) {
      const iso = new Date(ms).toISOString();
      expect(sqliteInstant(ms)).toBe(`${iso.slice(0, 10)} ${iso.slice(11, 23)}`);
      expect(literal(ms, 'postgres', 'instant')).toBe(`'${iso}'`);
    }
  });

  it('builds multi-row INSERT statements of the given size', () => {
    const builder = new InsertBuilder({ name: 't', columns: ['a', 'b'], kinds: {} }, 'sqlite', 2);
    expect(
      builder.add([
        [1, 'x'],
        [2, null],
        [3, "o'k"],
      ]),
    ).toEqual([`INSERT INTO t ("a", "b") VALUES (1,'x'),(2,NULL)`]);
    expect(builder.take()).toBe(`INSERT INTO t ("a", "b") VALUES (3,'o''k')`);
    expect(builder.take()).toBeNull();
  });
});
