/**
 * The counting rules of ../shared/DOMAIN.md as SQL, written once and used three ways: by the database
 * triggers that keep `fiscal_year_stats` up to date in the same transaction as every proposal change,
 * by the full recount that `verify-stats` compares them with, and by the per-division and per-category
 * breakdowns, which count the rows of one fiscal year directly.
 *
 * Cohort rule: a proposal counts in the fiscal year in which it was first submitted, however late it
 * is decided or implemented. Drafts and withdrawn proposals do not count.
 */

const COUNTED = `({p}.fiscal_year IS NOT NULL AND {p}.status NOT IN ('draft', 'withdrawn'))`;
const when = (condition: string) => `CASE WHEN ${COUNTED} AND ${condition} THEN 1 ELSE 0 END`;
const amount = (condition: string, column: string) => `CASE WHEN ${COUNTED} AND ${condition} THEN COALESCE({p}.${column}, 0) ELSE 0 END`;

/** Every counter: its column and what one proposal adds to it. `{p}` stands for the row (NEW, OLD, an alias). */
export const STAT_COLUMNS = [
  { column: 'submitted', expression: when('1 = 1'), type: 'integer' },
  { column: 'accepted', expression: when(`{p}.status IN ('under_review', 'awaiting_decision', 'continued', 'decided')`), type: 'integer' },
  { column: 'not_accepted', expression: when(`{p}.status = 'not_accepted'`), type: 'integer' },
  { column: 'adopted', expression: when(`{p}.status = 'decided' AND {p}.decision IN ('adopted', 'partially_adopted')`), type: 'integer' },
  { column: 'partially_adopted', expression: when(`{p}.status = 'decided' AND {p}.decision = 'partially_adopted'`), type: 'integer' },
  { column: 'rejected', expression: when(`{p}.status = 'decided' AND {p}.decision = 'rejected'`), type: 'integer' },
  { column: 'already_implemented', expression: when(`{p}.status = 'decided' AND {p}.decision = 'already_implemented'`), type: 'integer' },
  { column: 'continued', expression: when(`{p}.status = 'continued'`), type: 'integer' },
  { column: 'undecided', expression: when(`{p}.status IN ('submitted', 'returned', 'under_review', 'awaiting_decision')`), type: 'integer' },
  { column: 'implemented', expression: when(`{p}.implementation_status = 'implemented'`), type: 'integer' },
  { column: 'estimated_hours', expression: amount('1 = 1', 'estimated_hours'), type: 'bigint' },
  { column: 'estimated_yen', expression: amount('1 = 1', 'estimated_yen'), type: 'bigint' },
  { column: 'actual_hours', expression: amount(`{p}.implementation_status = 'implemented'`, 'actual_hours'), type: 'bigint' },
  { column: 'actual_yen', expression: amount(`{p}.implementation_status = 'implemented'`, 'actual_yen'), type: 'bigint' },
] as const satisfies readonly { column: string; expression: string; type: 'integer' | 'bigint' }[];

export type StatColumn = (typeof STAT_COLUMNS)[number]['column'];

const forRow = (expression: string, row: string) => expression.split('{p}').join(row);

/** `SUM(...) AS submitted, SUM(...) AS accepted, …` over the rows aliased `alias`. */
export const sumSelect = (alias: string): string => STAT_COLUMNS.map((c) => `SUM(${forRow(c.expression, alias)}) AS ${c.column}`).join(',\n  ');

const applyRow = (row: 'NEW' | 'OLD', sign: '+' | '-') =>
  `UPDATE fiscal_year_stats SET ${STAT_COLUMNS.map((c) => `${c.column} = ${c.column} ${sign} (${forRow(c.expression, row)})`).join(', ')}
    WHERE fiscal_year = ${row}.fiscal_year;`;

/** SQLite: three triggers; a row's old contribution is taken away and its new one added. */
export function sqliteStatsTriggers(): string[] {
  const ensure = (row: 'NEW') => `INSERT OR IGNORE INTO fiscal_year_stats (fiscal_year) SELECT ${row}.fiscal_year WHERE ${row}.fiscal_year IS NOT NULL;`;
  return [
    `CREATE TRIGGER proposals_stats_insert AFTER INSERT ON proposals BEGIN
      ${ensure('NEW')}
      ${applyRow('NEW', '+')}
    END`,
    `CREATE TRIGGER proposals_stats_update AFTER UPDATE ON proposals BEGIN
      ${applyRow('OLD', '-')}
      ${ensure('NEW')}
      ${applyRow('NEW', '+')}
    END`,
    `CREATE TRIGGER proposals_stats_delete AFTER DELETE ON proposals BEGIN
      ${applyRow('OLD', '-')}
    END`,
  ];
}

/** PostgreSQL: one trigger function for all three events. */
export function postgresStatsTrigger(): string[] {
  return [
    `CREATE FUNCTION proposals_stats() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF OLD.fiscal_year IS NOT NULL THEN
          ${applyRow('OLD', '-')}
        END IF;
      END IF;
      IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF NEW.fiscal_year IS NOT NULL THEN
          INSERT INTO fiscal_year_stats (fiscal_year) VALUES (NEW.fiscal_year) ON CONFLICT DO NOTHING;
          ${applyRow('NEW', '+')}
        END IF;
      END IF;
      RETURN NULL;
    END $$`,
    `CREATE TRIGGER proposals_stats AFTER INSERT OR UPDATE OR DELETE ON proposals
      FOR EACH ROW EXECUTE FUNCTION proposals_stats()`,
  ];
}

/** Rebuilds every counter from the proposals themselves (used by the migration and by repair). */
export const rebuildStatsSql = (): string[] => [
  'DELETE FROM fiscal_year_stats',
  `INSERT INTO fiscal_year_stats (fiscal_year, ${STAT_COLUMNS.map((c) => c.column).join(', ')})
   SELECT p.fiscal_year, ${STAT_COLUMNS.map((c) => `SUM(${forRow(c.expression, 'p')})`).join(', ')}
   FROM proposals p WHERE p.fiscal_year IS NOT NULL GROUP BY p.fiscal_year`,
];
