/**
 * The generating half of generate-data, in a worker thread: it makes the rows and the INSERT
 * statements and hands them to the main thread, which owns the database connection. A thread of its
 * own because the statements are large short-lived strings, and only a new thread can be given the
 * large young generation that keeps them from costing two thirds of the time in garbage collection.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { COLUMN_KINDS, COPROPOSER_COLUMNS, GenerationContext, HISTORY_COLUMNS, PROPOSAL_COLUMNS, ProposalGenerator, ROUTING_COLUMNS } from './generate-data';
import { Engine, InsertBuilder } from './sql-literals';

export interface WorkerInput {
  engine: Engine;
  ctx: GenerationContext;
  seed: number;
  years: { fiscalYear: number; count: number; firstId: number; firstSequence: number }[];
  /** Statements sent ahead of the main thread's acknowledgements. */
  window: number;
}

export type WorkerMessage =
  | { type: 'sql'; sql: string }
  | { type: 'progress'; proposals: number; history: number; routings: number; coproposers: number }
  | { type: 'year'; fiscalYear: number; lastSequence: number }
  | { type: 'done' };

/** From the main thread: this many more statements may be sent. */
export interface WorkerCredit {
  credit: number;
}

async function main(input: WorkerInput): Promise<void> {
  const port = parentPort!;
  let credit = input.window;
  let wake: (() => void) | null = null;
  port.on('message', (m: WorkerCredit) => {
    credit += m.credit;
    wake?.();
  });
  const send = async (sql: string | null) => {
    if (sql === null) return;
    while (credit <= 0) await new Promise<void>((ok) => (wake = ok));
    wake = null;
    credit--;
    port.postMessage({ type: 'sql', sql } satisfies WorkerMessage);
  };

  const tables = {
    proposals: new InsertBuilder({ name: 'proposals', columns: PROPOSAL_COLUMNS, kinds: COLUMN_KINDS.proposals }, input.engine),
    history: new InsertBuilder({ name: 'proposal_history', columns: HISTORY_COLUMNS, kinds: COLUMN_KINDS.proposal_history }, input.engine),
    routings: new InsertBuilder({ name: 'routings', columns: ROUTING_COLUMNS, kinds: COLUMN_KINDS.routings }, input.engine),
    coproposers: new InsertBuilder({ name: 'proposal_coproposers', columns: COPROPOSER_COLUMNS, kinds: COLUMN_KINDS.proposal_coproposers }, input.engine),
  };
  const generator = new ProposalGenerator(input.ctx, input.seed);
  const totals = { proposals: 0, history: 0, routings: 0, coproposers: 0 };
  for (const year of input.years) {
    let lastSequence = year.firstSequence - 1;
    for (const chunk of generator.year(year.fiscalYear, year.count, year.firstId, year.firstSequence)) {
      // A chunk's proposals go in before the rows that refer to them (PostgreSQL checks foreign keys).
      for (const sql of tables.proposals.add(chunk.proposals)) await send(sql);
      await send(tables.proposals.take());
      for (const sql of tables.history.add(chunk.history)) await send(sql);
      for (const sql of tables.routings.add(chunk.routings)) await send(sql);
      for (const sql of tables.coproposers.add(chunk.coproposers)) await send(sql);
      totals.proposals += chunk.proposals.length;
      totals.history += chunk.history.length;
      totals.routings += chunk.routings.length;
      totals.coproposers += chunk.coproposers.length;
      lastSequence = chunk.lastSequence;
      port.postMessage({ type: 'progress', ...totals } satisfies WorkerMessage);
    }
    port.postMessage({ type: 'year', fiscalYear: year.fiscalYear, lastSequence } satisfies WorkerMessage);
  }
  for (const builder of [tables.history, tables.routings, tables.coproposers]) await send(builder.take());
  port.postMessage({ type: 'done' } satisfies WorkerMessage);
}

if (parentPort) {
  main(workerData as WorkerInput).catch((error: unknown) => {
    // thrown outside the promise, it ends the worker with an 'error' event in the main thread
    setImmediate(() => {
      throw error;
    });
  });
}
