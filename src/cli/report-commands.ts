import type { Command } from './commands';

/** Statistics commands: report, verify-stats. */
export const reportCommands: Record<string, Command> = {};
