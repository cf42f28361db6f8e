import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { NotFoundError } from '../common/errors';
import { fiscalYearOf } from '../common/fiscal-year';
import { FieldErrors, FormValidationException } from '../common/forms';
import { DbService } from '../database/db.service';
import { isValidOn } from '../organization/division-tree';
import { Division } from '../organization/division.entity';
import type { User } from '../users/user.entity';
import { bureauOf, Credit, DivisionInfo, parseStaffCount, ParticipationFigures, participationFigures } from './participation-figures';
import { EnteredStaffCount, ParticipationRepository, PersonRow } from './participation.repository';

/** People listed per drill-down list at most: the figures stay exact, the list says when it stops. */
export const DRILLDOWN_PEOPLE_LIMIT = 500;

/** The form's field for one 課: staff_12 (the urlencoded parser takes no nested names). */
export const staffField = (divisionId: number): string => `staff_${divisionId}`;

export interface YearParticipation {
  fiscalYear: number;
  figures: ParticipationFigures;
  entered: EnteredStaffCount[];
}

export interface DrilldownPerson extends PersonRow {
  count: number;
}

/** [start, end) of a fiscal year in Japan time. */
export function fiscalYearBounds(fiscalYear: number): { start: Date; end: Date; firstDay: string; lastDay: string } {
  return {
    start: new Date(`${fiscalYear}-04-01T00:00:00+09:00`),
    end: new Date(`${fiscalYear + 1}-04-01T00:00:00+09:00`),
    firstDay: `${fiscalYear}-04-01`,
    lastDay: `${fiscalYear + 1}-03-31`,
  };
}

const info = (d: Division): DivisionInfo => ({ id: d.id, name: d.name, code: d.code, kind: d.kind, parentId: d.parentId, sortOrder: d.sortOrder });

/** 参加率 per fiscal year and division, and the staff numbers the office enters where accounts do not cover everyone. */
@Injectable()
export class ParticipationService {
  constructor(
    private readonly repository: ParticipationRepository,
    private readonly db: DbService,
    private readonly clock: Clock,
  ) {}

  currentFiscalYear(): number {
    return fiscalYearOf(this.clock.now());
  }

  /**
   * The divisions a year's table shows: those that existed at some time during the year, and any other that
   * the year's figures name (an ended 課 whose proposals still count), each with its ancestors.
   */
  private yearDivisions(all: Division[], fiscalYear: number, named: Iterable<number | null>): DivisionInfo[] {
    const { firstDay, lastDay } = fiscalYearBounds(fiscalYear);
    const byId = new Map(all.map((d) => [d.id, d]));
    const chosen = new Set(
      all.filter((d) => isValidOn(d, lastDay) || isValidOn(d, firstDay) || (d.validFrom >= firstDay && d.validFrom <= lastDay)).map((d) => d.id),
    );
    for (const id of named) {
      let current = id === null ? undefined : byId.get(id);
      for (let depth = 0; current && !chosen.has(current.id) && depth < 10; depth++) {
        chosen.add(current.id);
        current = current.parentId === null ? undefined : byId.get(current.parentId);
      }
    }
    return all.filter((d) => chosen.has(d.id)).map(info);
  }

  async year(fiscalYear: number): Promise<YearParticipation> {
    const { start, end } = fiscalYearBounds(fiscalYear);
    // one after another: on SQLite they share one connection anyway, and the page makes six small queries
    const all = await this.repository.divisions();
    const accounts = await this.repository.staffAccounts(start, end);
    const entered = await this.repository.enteredCounts(fiscalYear);
    const proposals = await this.repository.proposalCounts(fiscalYear);
    const proposers = await this.repository.proposerCredits(fiscalYear);
    const reporters = await this.repository.reporterCredits(fiscalYear);
    const named = [
      ...accounts.keys(),
      ...entered.map((e) => e.divisionId),
      ...proposals.keys(),
      ...proposers.map((c) => c.divisionId),
      ...reporters.map((c) => c.divisionId),
    ];
    const figures = participationFigures({
      divisions: this.yearDivisions(all, fiscalYear, named),
      accounts,
      entered: new Map(entered.map((e) => [e.divisionId, e.staffCount])),
      proposals,
      proposers,
      reporters,
    });
    return { fiscalYear, figures, entered };
  }

  /**
   * Saves the staff numbers of the form: a number replaces the accounts of that 課 for the year, an empty box
   * removes the entered number. Every bad box is named at once; nothing is saved unless all are good. Only
   * numbers that change are written, each with who and when.
   */
  async saveStaffCounts(user: User, fiscalYear: number, body: unknown): Promise<number> {
    const { figures } = await this.year(fiscalYear);
    const sections = new Map(figures.bureaus.flatMap((b) => b.rows.filter((r) => r.kind === 'section').map((r) => [r.divisionId!, r.name] as const)));
    const fields = body && typeof body === 'object' ? Object.entries(body as Record<string, unknown>).filter(([key]) => key !== '_csrf') : [];
    const unknown = fields.filter(([key]) => {
      const m = /^staff_(\d{1,9})$/.exec(key);
      return !m || !sections.has(Number(m[1]));
    });
    if (unknown.length) {
      throw new FormValidationException({ _form: [`このフォームにない項目が送信されました（${unknown.map(([key]) => key).join('、')}）。`] }, 400);
    }
    const errors: FieldErrors = {};
    const wanted = new Map<number, number | null>();
    for (const [key, value] of fields) {
      const divisionId = Number(key.slice('staff_'.length));
      const name = sections.get(divisionId)!;
      const parsed = typeof value === 'string' ? parseStaffCount(value) : undefined;
      if (parsed === undefined) errors[key] = [`${name}の職員数は0から100,000までの整数で入力してください（例: 1,200）。空欄にすると入力値を取り消します。`];
      else wanted.set(divisionId, parsed);
    }
    if (Object.keys(errors).length) throw new FormValidationException(errors);

    const now = this.clock.now();
    return this.db.transaction(async (manager) => {
      const existing = new Map((await this.repository.enteredIn(manager, fiscalYear)).map((e) => [e.divisionId, e.staffCount]));
      let changed = 0;
      for (const [divisionId, staffCount] of wanted) {
        const before = existing.get(divisionId);
        if (staffCount === null) {
          if (before === undefined) continue;
          await this.repository.deleteEntered(manager, fiscalYear, divisionId);
        } else {
          if (before === staffCount) continue;
          await this.repository.upsertEntered(manager, { fiscalYear, divisionId, staffCount, updatedBy: user.id, updatedAt: now }, before !== undefined);
        }
        changed++;
      }
      return changed;
    });
  }

  /**
   * The people behind one row: those counted as 提案者 and as 実績報告者 in the division or anywhere under it,
   * with how many counted proposals or reports each is credited with there.
   */
  async drilldown(fiscalYear: number, divisionId: number) {
    const all = await this.repository.divisions();
    const division = all.find((d) => d.id === divisionId);
    if (!division) throw new NotFoundError();
    const byId = new Map(all.map((d) => [d.id, info(d)]));
    const under = (id: number | null): boolean => {
      let current = id === null ? undefined : byId.get(id);
      for (let depth = 0; current && depth < 10; depth++) {
        if (current.id === divisionId) return true;
        current = current.parentId === null ? undefined : byId.get(current.parentId);
      }
      return false;
    };
    const proposers = await this.people(await this.repository.proposerCredits(fiscalYear), under);
    const reporters = await this.people(await this.repository.reporterCredits(fiscalYear), under);
    const bureau = byId.get(bureauOf(byId, divisionId));
    return { division, bureauName: bureau && bureau.id !== divisionId ? bureau.name : null, proposers, reporters };
  }

  private async people(credits: Credit[], under: (id: number | null) => boolean) {
    const counts = new Map<number, number>();
    for (const c of credits) if (under(c.divisionId)) counts.set(c.userId, (counts.get(c.userId) ?? 0) + c.count);
    // the most active first; only as many names as the list shows are read
    const shown = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, DRILLDOWN_PEOPLE_LIMIT);
    const people = await this.repository.people(shown.map(([id]) => id));
    const items: DrilldownPerson[] = people
      .map((p) => ({ ...p, count: counts.get(p.id) ?? 0 }))
      .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name, 'ja') || a.id - b.id);
    return { total: counts.size, items, truncated: counts.size > DRILLDOWN_PEOPLE_LIMIT };
  }
}
