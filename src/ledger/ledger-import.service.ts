import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { EntityManager, In } from 'typeorm';
import { hashPassword } from '../auth/password';
import { AppLogger } from '../common/app-logger';
import { ConflictError } from '../common/errors';
import { eraFiscalYearLabel, fiscalYearLabel } from '../common/fiscal-year';
import { FormValidationException } from '../common/forms';
import { jstDateString } from '../common/jst';
import { DbService } from '../database/db.service';
import { isUniqueViolation } from '../database/unique-violation';
import { isValidOn } from '../organization/division-tree';
import { Division } from '../organization/division.entity';
import { ProposalHistoryEntry } from '../proposals/proposal-history.entity';
import { ProposalNumberSequence } from '../proposals/proposal-number-sequence.entity';
import { Proposal } from '../proposals/proposal.entity';
import { formatProposalNumber } from '../proposals/proposals.service';
import { User } from '../users/user.entity';
import { importedDetail, LedgerEncoding, LedgerIssue, LedgerRecord, LedgerRowKeys, readLedger, sortIssues } from './ledger-format';

/** The account imported proposals are proposed by: the ledger names no person. It cannot sign in. */
export const LEDGER_IMPORT_LOGIN = 'ledger-import';
export const LEDGER_IMPORT_USER_NAME = '提案簿（取込）';

/** Divisions created by an import get codes LEDGER-0001, LEDGER-0002, … (an admin may end and replace them later). */
const CREATED_CODE_PREFIX = 'LEDGER-';

/** Where a created division's validity starts when no row naming it has a readable date (only in a refused file). */
const DEFAULT_VALID_FROM = '2000-04-01';

/** PostgreSQL transaction-scoped advisory lock: two imports at once take turns (SQLite's DbService queue already does). */
const IMPORT_LOCK_KEY = 4_210_117;

/** Rows per INSERT: well under SQLite's limit of bound parameters with ~30 columns a row. */
const INSERT_CHUNK = 25;
const SELECT_CHUNK = 500;

export interface LedgerImportOptions {
  dryRun: boolean;
  createMissingDivisions: boolean;
  /** The importing user (web); null from the command line. */
  actorId: number | null;
}

export interface LedgerImportSummary {
  dryRun: boolean;
  encoding: LedgerEncoding | null;
  /** Data rows in the file. */
  rows: number;
  /** Added (or, on a dry run, that would be added). */
  added: number;
  /** Rows whose 提案番号 is already registered: skipped, so importing a file twice adds nothing. */
  alreadyPresent: number;
  createdDivisions: { code: string; name: string; validFrom: string }[];
  byYear: { fiscalYear: number; label: string; eraLabel: string; added: number }[];
}

export type LedgerImportResult =
  { ok: true; summary: LedgerImportSummary } | { ok: false; encoding: LedgerEncoding | null; rows: number; issues: LedgerIssue[] };

/** What people read after an import that went through: the same lines on the page and on the command line. */
export function ledgerSummaryLines(summary: LedgerImportSummary): string[] {
  const lines: string[] = [];
  if (summary.dryRun) {
    lines.push(`確認のみ: 誤りはありません。取り込むと ${summary.added} 件を追加します（まだ何も取り込んでいません）。`);
  } else {
    lines.push(`${summary.added} 件を追加しました。`);
  }
  if (summary.alreadyPresent > 0) lines.push(`${summary.alreadyPresent} 件は登録済みのため${summary.dryRun ? '追加しません' : '追加しませんでした'}。`);
  if (summary.createdDivisions.length > 0) {
    const names = summary.createdDivisions.map((d) => `${d.name}（${d.code}）`).join('、');
    lines.push(`${summary.dryRun ? '新しく作成する' : '新しく作成した'}所属・所管課: ${summary.createdDivisions.length} 件 ${names}`);
  }
  for (const year of summary.byYear) lines.push(`  ${year.label}（${year.eraLabel}）: ${year.added} 件`);
  return lines;
}

/** The parts of a multer upload this service reads. */
export interface UploadedLedger {
  buffer: Buffer;
  size: number;
}

type Resolution = { division: Division } | { create: string } | { issue: string };
/** Where a row's division goes: an existing one, or one this import creates (by name). */
type Target = { id: number } | { create: string };

/**
 * Imports the legacy ledger (提案簿). All or nothing: every row is checked first, and one bad row
 * means nothing is written and every problem is listed. Everything runs in one transaction; the
 * year-by-year counters follow by the triggers on proposals, as for any other proposal.
 */
@Injectable()
export class LedgerImportService {
  constructor(
    private readonly db: DbService,
    private readonly logger: AppLogger,
  ) {}

  /** The web form's upload: it must be there and not be empty. */
  importUpload(file: UploadedLedger | undefined, options: LedgerImportOptions): Promise<LedgerImportResult> {
    if (!file) throw FormValidationException.field('file', '取り込む提案簿のCSVファイルを選んでください。');
    if (file.size === 0) throw FormValidationException.field('file', '選んだファイルは空（0バイト）です。提案簿のCSVファイルを選んでください。');
    return this.import(file.buffer, options);
  }

  async import(bytes: Uint8Array, options: LedgerImportOptions): Promise<LedgerImportResult> {
    const today = jstDateString(new Date());
    const parsed = readLedger(bytes, { today });
    if (parsed.rows.length === 0) return this.refused(parsed.encoding, parsed.rowCount, parsed.issues, options);
    const writes = !options.dryRun && parsed.issues.length === 0;

    // argon2 is slow on purpose: hash before the transaction, and only when the account is still missing.
    const passwordHash = !writes || (await this.systemUser(this.db.dataSource.manager)) ? null : await unusablePasswordHash();

    try {
      const result = await this.db.transaction(async (manager): Promise<LedgerImportResult> => {
        if (writes) await this.db.serializeOn(manager, IMPORT_LOCK_KEY);

        // Rows already registered are skipped; the others must name divisions that exist (or may be created).
        // Rows with other problems are checked too, so one upload lists everything that is wrong.
        const present = await this.registeredNumbers(
          manager,
          parsed.rows.map((r) => r.number).filter((n) => n !== ''),
        );
        const plan = await this.planDivisions(
          manager,
          parsed.rows.filter((r) => !present.has(r.number)),
          options.createMissingDivisions,
        );
        const issues = sortIssues([...parsed.issues, ...plan.issues]);
        if (issues.length > 0) return { ok: false, encoding: parsed.encoding, rows: parsed.rowCount, issues };

        const fresh = parsed.records.filter((r) => !present.has(r.number));
        const summary: LedgerImportSummary = {
          dryRun: options.dryRun,
          encoding: parsed.encoding,
          rows: parsed.rowCount,
          added: fresh.length,
          alreadyPresent: parsed.records.length - fresh.length,
          createdDivisions: [],
          byYear: countByYear(fresh),
        };
        const created = await this.createDivisions(manager, plan.toCreate, options.dryRun);
        summary.createdDivisions = [...created.values()].map((d) => ({ code: d.code, name: d.name, validFrom: d.validFrom }));
        if (options.dryRun || fresh.length === 0) return { ok: true, summary };

        const proposer = await this.ensureSystemUser(manager, passwordHash);
        const divisionId = (t: Target | null): number | null => (t === null ? null : 'id' in t ? t.id : created.get(t.create)!.id);
        const rows = fresh.map((record) => {
          const t = plan.targets.get(record.line)!;
          return { record, proposerDivisionId: divisionId(t.proposer), leadDivisionId: divisionId(t.lead) };
        });
        await this.insertProposals(manager, rows, proposer.id, options.actorId);
        await this.advanceNumberSequences(manager, fresh);
        return { ok: true, summary };
      });
      if (!result.ok) return this.refused(result.encoding, result.rows, result.issues, options);
      this.logger.event('info', options.dryRun ? 'ledger_import_checked' : 'ledger_imported', {
        actorId: options.actorId,
        rows: result.summary.rows,
        added: result.summary.added,
        alreadyPresent: result.summary.alreadyPresent,
        createdDivisions: result.summary.createdDivisions.length,
      });
      return result;
    } catch (error) {
      // Only a proposal submitted (or another import committed) between our check and our insert can do this.
      if (isUniqueViolation(error)) {
        throw new ConflictError('取り込みの途中で、同じ提案番号が別の操作で登録されました。何も取り込んでいません。もう一度取り込んでください。');
      }
      throw error;
    }
  }

  private refused(encoding: LedgerEncoding | null, rows: number, issues: LedgerIssue[], options: LedgerImportOptions): LedgerImportResult {
    this.logger.event('info', 'ledger_import_refused', { actorId: options.actorId, rows, issues: issues.length, dryRun: options.dryRun });
    return { ok: false, encoding, rows, issues };
  }

  private async registeredNumbers(manager: EntityManager, numbers: string[]): Promise<Set<string>> {
    const present = new Set<string>();
    for (let i = 0; i < numbers.length; i += SELECT_CHUNK) {
      const rows = await manager.getRepository(Proposal).find({ select: { number: true }, where: { number: In(numbers.slice(i, i + SELECT_CHUNK)) } });
      for (const row of rows) present.add(row.number!);
    }
    return present;
  }

  /**
   * 提案者所属 and 所管課 → divisions: by code first, then by exact name (both NFKC, trimmed). Where
   * several match, the one in existence on the submission date wins, then one existing today; a name
   * that still fits several divisions (区民課 in every ward) must be written as a code.
   */
  private async planDivisions(manager: EntityManager, rows: LedgerRowKeys[], createMissing: boolean) {
    const all = await manager.getRepository(Division).find({ order: { validFrom: 'ASC', id: 'ASC' } });
    const byCode = groupBy(all, (d) => normalize(d.code));
    const byName = groupBy(all, (d) => normalize(d.name));
    const today = jstDateString(new Date());

    const targets = new Map<number, Record<'proposer' | 'lead', Target | null>>(); // by line
    const toCreate = new Map<string, string>(); // name → valid_from: the earliest submission date naming it
    const issues: LedgerIssue[] = [];

    const resolve = (key: string, on: string): Resolution => {
      const codeMatches = byCode.get(key);
      if (codeMatches) {
        const tier = preferred(codeMatches, on, today);
        return { division: tier[tier.length - 1] }; // one code over several periods: the latest of the tier
      }
      const nameMatches = byName.get(key);
      if (nameMatches) {
        const tier = preferred(nameMatches, on, today);
        if (tier.length === 1) return { division: tier[0] };
        return {
          issue: `「${key}」という名称の組織が複数あります。どれか分かるよう、コードで書いてください（${tier.map((d) => d.code).join('、')}）`,
        };
      }
      if (!createMissing) {
        return {
          issue: `「${key}」に当たる組織が、コードにも名称にも見つかりません（組織の管理で登録するか、新しく作成して取り込むなら「見つからない所属・所管課を新しく作成する」（--create-missing-divisions）を指定してください）`,
        };
      }
      if (/^\d+$/.test(key)) {
        return { issue: `コード「${key}」の組織が見つかりません（数字だけの値はコードとみなすため、新しく作成しません。組織の名称で書いてください）` };
      }
      if ([...key].length > 100) return { issue: `組織の名称は100文字以内にしてください（${[...key].length}文字）` };
      return { create: key };
    };

    const target = (row: LedgerRowKeys, column: '提案者所属' | '所管課', key: string | null): Target | null => {
      if (key === null) return null;
      // a row whose date cannot be read is refused anyway; today's organization is the best guess meanwhile
      const result = resolve(key, row.submittedOn ?? today);
      if ('issue' in result) {
        issues.push({ line: row.line, column, reason: result.issue });
        return null;
      }
      if ('create' in result) {
        const from = toCreate.get(key);
        if (row.submittedOn !== null && (from === undefined || from === DEFAULT_VALID_FROM || row.submittedOn < from)) toCreate.set(key, row.submittedOn);
        else if (from === undefined) toCreate.set(key, DEFAULT_VALID_FROM);
        return { create: key };
      }
      return { id: result.division.id };
    };

    for (const row of rows) {
      targets.set(row.line, { proposer: target(row, '提案者所属', row.proposerDivision), lead: target(row, '所管課', row.leadDivision) });
    }
    return { targets, toCreate, issues };
  }

  private async createDivisions(manager: EntityManager, toCreate: Map<string, string>, dryRun: boolean): Promise<Map<string, Division>> {
    const created = new Map<string, Division>();
    if (toCreate.size === 0) return created;
    const repo = manager.getRepository(Division);
    const codes = await repo
      .createQueryBuilder('d')
      .select('d.code', 'code')
      .where('d.code LIKE :prefix', { prefix: `${CREATED_CODE_PREFIX}%` })
      .getRawMany<{ code: string }>();
    let next = Math.max(0, ...codes.map((c) => Number(/^LEDGER-(\d+)$/.exec(c.code)?.[1] ?? 0))) + 1;
    for (const [name, validFrom] of toCreate) {
      const division = repo.create({
        code: `${CREATED_CODE_PREFIX}${String(next++).padStart(4, '0')}`,
        name,
        kind: 'section',
        parentId: null,
        validFrom,
        validTo: null,
        sortOrder: 0,
      });
      created.set(name, dryRun ? division : await repo.save(division));
    }
    return created;
  }

  private systemUser(manager: EntityManager): Promise<User | null> {
    return manager.getRepository(User).findOne({ where: { login: LEDGER_IMPORT_LOGIN } });
  }

  /** Created once, disabled, with no roles and a hash of a random password nobody ever saw. */
  private async ensureSystemUser(manager: EntityManager, passwordHash: string | null): Promise<User> {
    const existing = await this.systemUser(manager);
    if (existing) return existing;
    await manager
      .createQueryBuilder()
      .insert()
      .into(User)
      .values({
        login: LEDGER_IMPORT_LOGIN,
        name: LEDGER_IMPORT_USER_NAME,
        email: null,
        roles: [],
        divisionId: null,
        disabled: true,
        mustChangePassword: false,
        passwordHash: passwordHash ?? (await unusablePasswordHash()),
      })
      .orIgnore()
      .execute();
    return (await this.systemUser(manager))!;
  }

  private async insertProposals(
    manager: EntityManager,
    rows: { record: LedgerRecord; proposerDivisionId: number | null; leadDivisionId: number | null }[],
    proposerId: number,
    actorId: number | null,
  ): Promise<void> {
    const proposals = manager.getRepository(Proposal);
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const chunk = rows.slice(i, i + INSERT_CHUNK);
      await proposals.insert(
        chunk.map(({ record: r, proposerDivisionId, leadDivisionId }) => ({
          number: r.number,
          fiscalYear: r.fiscalYear,
          status: r.status,
          version: 1,
          title: r.title,
          categoryId: null,
          currentProblem: '',
          proposalText: r.proposalText,
          expectedEffect: '',
          estimatedHours: null,
          estimatedYen: null,
          proposerId,
          proposerDivisionId,
          leadDivisionId,
          notAcceptedReason: null,
          decision: r.decision,
          decisionReason: null,
          answer: null,
          implementationStatus: r.implementationStatus,
          implementedOn: r.implementedOn,
          actualHours: null,
          actualYen: null,
          implementationNote: null,
          submittedAt: r.submittedAt,
          // the ledger does not say when it was decided
          decidedAt: null,
        })),
      );
      // Multi-row INSERT does not report every new id on SQLite: look them up by number.
      const ids = await proposals.find({ select: { id: true, number: true }, where: { number: In(chunk.map((row) => row.record.number)) } });
      const idOf = new Map(ids.map((p) => [p.number!, p.id]));
      await manager.getRepository(ProposalHistoryEntry).insert(
        chunk.map(({ record: r }) => ({
          proposalId: idOf.get(r.number)!,
          actorId,
          action: 'imported' as const,
          fromStatus: null,
          toStatus: r.status,
          detail: importedDetail(r),
          comment: null,
        })),
      );
    }
  }

  /**
   * A ledger number in the system's own form (2024-0005) must not be handed out again by a later
   * submission: the fiscal year's counter moves past it.
   */
  private async advanceNumberSequences(manager: EntityManager, records: LedgerRecord[]): Promise<void> {
    const highest = new Map<number, number>();
    for (const { number } of records) {
      const match = /^(\d{4})-(\d{4,9})$/.exec(number);
      if (!match) continue;
      const [year, sequence] = [Number(match[1]), Number(match[2])];
      if (formatProposalNumber(year, sequence) !== number) continue;
      highest.set(year, Math.max(highest.get(year) ?? 0, sequence));
    }
    const repo = manager.getRepository(ProposalNumberSequence);
    for (const [fiscalYear, sequence] of highest) {
      await repo.createQueryBuilder().insert().values({ fiscalYear, lastNumber: 0 }).orIgnore().execute();
      await repo
        .createQueryBuilder()
        .update()
        .set({ lastNumber: sequence })
        .where('fiscal_year = :fiscalYear AND last_number < :sequence', { fiscalYear, sequence })
        .execute();
    }
  }
}

const normalize = (value: string) => value.normalize('NFKC').trim();

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return groups;
}

/** Of several divisions: those in existence on the date, else those existing today, else all of them. */
function preferred(divisions: Division[], on: string, today: string): Division[] {
  const onDate = divisions.filter((d) => isValidOn(d, on));
  if (onDate.length) return onDate;
  const current = divisions.filter((d) => isValidOn(d, today));
  return current.length ? current : divisions;
}

function countByYear(records: LedgerRecord[]): LedgerImportSummary['byYear'] {
  const counts = new Map<number, number>();
  for (const r of records) counts.set(r.fiscalYear, (counts.get(r.fiscalYear) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([fiscalYear, added]) => ({ fiscalYear, label: fiscalYearLabel(fiscalYear), eraLabel: eraFiscalYearLabel(fiscalYear), added }));
}

async function unusablePasswordHash(): Promise<string> {
  return hashPassword(randomBytes(32).toString('base64url'));
}
