import type { Command } from './commands';

/** Legacy ledger (提案簿) commands: import-ledger, export-ledger. */
export const ledgerCommands: Record<string, Command> = {};
