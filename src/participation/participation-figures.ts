import { ratePercent } from '../reports/rates';

/**
 * 参加率 arithmetic, with no I/O: the rows of one fiscal year per 局・区 with their 課, and the total.
 *
 *   職員数          a 課: the number the office entered for the year, else the staff accounts of the 課 active during it;
 *                  a 局・区: the sum of its 課 plus the accounts attached to the 局・区 or its 部 directly
 *   提案件数        counted proposals by the proposer's division (the cohort rule)
 *   提案者数        distinct people: proposers, and accepted co-proposers by their current division
 *   実績報告者数    distinct reporters and team members of counted カイゼン reports
 *   参加率          提案者数 ÷ 職員数 × 100; 100人当たり提案件数 = 提案件数 ÷ 職員数 × 100 (one decimal, half up)
 *
 * A person counts once in each row they belong to and once in the total, however many proposals they made
 * or divisions they are credited in.
 */

export interface DivisionInfo {
  id: number;
  name: string;
  code: string;
  kind: 'bureau' | 'department' | 'section';
  parentId: number | null;
  sortOrder: number;
}

/** One person credited in one division (null: no division), with how many counted items. */
export interface Credit {
  userId: number;
  divisionId: number | null;
  count: number;
}

export interface ParticipationInput {
  /** The divisions to show (those of the year); divisions named by the figures below but missing here still count through their ancestors when known. */
  divisions: DivisionInfo[];
  /** Staff accounts per division id (null: accounts without a division). */
  accounts: Map<number | null, number>;
  /** Numbers entered by the office for the year, per 課. */
  entered: Map<number, number>;
  /** Counted proposals per proposer's division (null: none). */
  proposals: Map<number | null, number>;
  proposers: Credit[];
  reporters: Credit[];
}

export type RowKind = 'bureau' | 'section' | 'direct' | 'none' | 'total';

export interface ParticipationRow {
  kind: RowKind;
  /** The division's id (局・区 or 課); for a 'direct' row its 局・区's id; null for 'none' and 'total'. */
  divisionId: number | null;
  name: string;
  /** The 局・区 a 課 or direct row belongs to. */
  bureauName: string | null;
  staff: number;
  /** The staff accounts alone (what 職員数 would be without entered numbers). */
  accounts: number;
  /** 'entered': this row's 職員数 is the number entered; 'partly': a sum that includes entered numbers. */
  staffSource: 'accounts' | 'entered' | 'partly';
  /** For a 課: the entered number, if any (to fill the form). */
  enteredStaff: number | null;
  proposals: number;
  proposers: number;
  reporters: number;
  participationRate: number | null;
  proposalsPer100: number | null;
}

export interface BureauBlock {
  bureau: ParticipationRow;
  /** Its 課, in tree order, and a 'direct' row when people are attached to the 局・区 or a 部 itself. */
  rows: ParticipationRow[];
}

export interface ParticipationFigures {
  bureaus: BureauBlock[];
  /** People and proposals without a division (or of a division no longer known); null when there are none. */
  unassigned: ParticipationRow | null;
  total: ParticipationRow;
}

/** 参加率 and 100人当たり提案件数 of a row; no rate without staff. */
export function rates(row: { staff: number; proposals: number; proposers: number }): { participationRate: number | null; proposalsPer100: number | null } {
  return { participationRate: ratePercent(row.proposers, row.staff), proposalsPer100: ratePercent(row.proposals, row.staff) };
}

/** The topmost known ancestor of each division (its 局・区); a division whose chain loops is its own. */
export function bureauOf(divisions: Map<number, DivisionInfo>, id: number): number {
  let current = divisions.get(id);
  const seen = new Set<number>();
  while (current && current.parentId !== null && divisions.has(current.parentId) && !seen.has(current.id)) {
    seen.add(current.id);
    current = divisions.get(current.parentId);
  }
  return current?.id ?? id;
}

interface Accumulator {
  staffAccounts: number;
  staff: number;
  entered: boolean;
  proposals: number;
  proposers: Set<number>;
  reporters: Set<number>;
}

const empty = (): Accumulator => ({ staffAccounts: 0, staff: 0, entered: false, proposals: 0, proposers: new Set(), reporters: new Set() });

function row(
  kind: RowKind,
  divisionId: number | null,
  name: string,
  bureauName: string | null,
  acc: Accumulator,
  source: ParticipationRow['staffSource'],
  enteredStaff: number | null = null,
): ParticipationRow {
  const figures = { staff: acc.staff, proposals: acc.proposals, proposers: acc.proposers.size };
  return {
    kind,
    divisionId,
    name,
    bureauName,
    ...figures,
    accounts: acc.staffAccounts,
    staffSource: source,
    enteredStaff,
    reporters: acc.reporters.size,
    ...rates(figures),
  };
}

const order = (a: DivisionInfo, b: DivisionInfo) => a.sortOrder - b.sortOrder || a.code.localeCompare(b.code);

/**
 * The year's rows. Divisions named by the figures but not in `divisions` (ended long ago, or deleted) go to
 * the 'none' row with the people without a division, so every figure is in exactly one 局・区 or there.
 */
export function participationFigures(input: ParticipationInput): ParticipationFigures {
  const byId = new Map(input.divisions.map((d) => [d.id, d]));
  const sections = new Map<number, Accumulator>();
  const direct = new Map<number, Accumulator>(); // per 局・区: the 局・区 itself and its 部
  const unassigned = empty();

  /** Where a division's figures go: its own 課 row, its 局・区's direct row, or the 'none' row. */
  const target = (divisionId: number | null): Accumulator => {
    const division = divisionId === null ? undefined : byId.get(divisionId);
    if (!division) return unassigned;
    if (division.kind === 'section') return sections.get(division.id) ?? sections.set(division.id, empty()).get(division.id)!;
    const bureauId = bureauOf(byId, division.id);
    return direct.get(bureauId) ?? direct.set(bureauId, empty()).get(bureauId)!;
  };

  for (const d of input.divisions) if (d.kind === 'section') target(d.id);
  for (const [divisionId, n] of input.accounts) {
    const acc = target(divisionId);
    acc.staffAccounts += n;
  }
  for (const [divisionId, n] of input.proposals) target(divisionId).proposals += n;
  for (const credit of input.proposers) if (credit.count > 0) target(credit.divisionId).proposers.add(credit.userId);
  for (const credit of input.reporters) if (credit.count > 0) target(credit.divisionId).reporters.add(credit.userId);
  for (const [id, acc] of [...sections, ...direct, [null, unassigned] as const]) {
    const entered = id !== null && sections.has(id) ? input.entered.get(id) : undefined;
    acc.entered = entered !== undefined;
    acc.staff = entered ?? acc.staffAccounts;
  }

  const total = empty();
  const bureauIds = [...new Set(input.divisions.map((d) => bureauOf(byId, d.id)))];
  const bureaus = bureauIds
    .map((id) => byId.get(id)!)
    .sort(order)
    .map((bureau): BureauBlock => {
      const sum = empty();
      let anyEntered = false;
      const sectionRows: ParticipationRow[] = [];
      const add = (acc: Accumulator) => {
        sum.staff += acc.staff;
        sum.staffAccounts += acc.staffAccounts;
        sum.proposals += acc.proposals;
        acc.proposers.forEach((u) => sum.proposers.add(u));
        acc.reporters.forEach((u) => sum.reporters.add(u));
        anyEntered ||= acc.entered;
      };
      // a 課 at the top of the tree (no 局・区 above it: bad data) is its own group and its only row
      const ownSections = input.divisions.filter((d) => d.kind === 'section' && bureauOf(byId, d.id) === bureau.id);
      for (const section of treeOrder(ownSections, byId)) {
        const acc = sections.get(section.id)!;
        add(acc);
        sectionRows.push(
          row('section', section.id, section.name, bureau.name, acc, acc.entered ? 'entered' : 'accounts', input.entered.get(section.id) ?? null),
        );
      }
      const own = direct.get(bureau.id);
      if (own && (own.staff || own.proposals || own.proposers.size || own.reporters.size)) {
        add(own);
        sectionRows.push(row('direct', bureau.id, `${bureau.name}（局・区・部に直接所属）`, bureau.name, own, 'accounts'));
      }
      total.staff += sum.staff;
      total.staffAccounts += sum.staffAccounts;
      total.proposals += sum.proposals;
      sum.proposers.forEach((u) => total.proposers.add(u));
      sum.reporters.forEach((u) => total.reporters.add(u));
      total.entered ||= anyEntered;
      return { bureau: row('bureau', bureau.id, bureau.name, null, sum, anyEntered ? 'partly' : 'accounts'), rows: sectionRows };
    });

  const hasUnassigned = unassigned.staff || unassigned.proposals || unassigned.proposers.size || unassigned.reporters.size;
  if (hasUnassigned) {
    total.staff += unassigned.staff;
    total.staffAccounts += unassigned.staffAccounts;
    total.proposals += unassigned.proposals;
    unassigned.proposers.forEach((u) => total.proposers.add(u));
    unassigned.reporters.forEach((u) => total.reporters.add(u));
  }
  return {
    bureaus,
    unassigned: hasUnassigned ? row('none', null, '（所属なし）', null, unassigned, 'accounts') : null,
    total: row('total', null, '合計', null, total, total.entered ? 'partly' : 'accounts'),
  };
}

/** The 課 of one 局・区 in tree order: by their 部 (in its order), then their own. */
function treeOrder(sections: DivisionInfo[], byId: Map<number, DivisionInfo>): DivisionInfo[] {
  const path = (d: DivisionInfo): DivisionInfo[] => {
    const chain: DivisionInfo[] = [];
    let current: DivisionInfo | undefined = d;
    const seen = new Set<number>();
    while (current && !seen.has(current.id)) {
      seen.add(current.id);
      chain.unshift(current);
      current = current.parentId === null ? undefined : byId.get(current.parentId);
    }
    return chain;
  };
  const compare = (a: DivisionInfo, b: DivisionInfo): number => {
    const pa = path(a);
    const pb = path(b);
    for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
      if (pa[i].id !== pb[i].id) return order(pa[i], pb[i]);
    }
    return pa.length - pb.length;
  };
  return [...sections].sort(compare);
}

/**
 * A staff number as the office types it: whole numbers 0–100,000, "1,200" and full-width digits accepted.
 * Empty clears the entered number (null); anything else is refused (undefined).
 */
export const STAFF_COUNT_MAX = 100_000;
export function parseStaffCount(value: string): number | null | undefined {
  const text = value.normalize('NFKC').trim();
  if (text === '') return null;
  if (!/^(\d+|\d{1,3}(,\d{3})+)$/.test(text)) return undefined;
  const n = Number(text.replace(/,/g, ''));
  return Number.isSafeInteger(n) && n <= STAFF_COUNT_MAX ? n : undefined;
}
