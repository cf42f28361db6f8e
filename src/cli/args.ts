/** `import-ledger file.csv --dry-run --from 2018` → { positional: ['file.csv'], options: { 'dry-run': true, from: '2018' } } */
export interface ParsedArgs {
  positional: string[];
  options: Record<string, string | true>;
}

export class CliUsageError extends Error {}

export function parseArgs(argv: string[], flags: readonly string[] = []): ParsedArgs {
  const positional: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (flags.includes(name)) options[name] = true;
    else if (inline !== undefined) options[name] = inline;
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) options[name] = argv[++i];
    else throw new CliUsageError(`--${name} には値が必要です`);
  }
  return { positional, options };
}

export function requireOption(args: ParsedArgs, name: string): string {
  const value = args.options[name];
  if (typeof value !== 'string' || value.trim() === '') throw new CliUsageError(`--${name} を指定してください`);
  return value.trim();
}

export function optionalOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.options[name];
  if (value === true) throw new CliUsageError(`--${name} には値が必要です`);
  return value?.trim() || undefined;
}

/** Refuses options a command does not know, so a typo is an error rather than silently ignored. */
export function allowOnly(args: ParsedArgs, known: readonly string[]): void {
  const unknown = Object.keys(args.options).filter((name) => !known.includes(name));
  if (unknown.length) throw new CliUsageError(`知らないオプションです: ${unknown.map((n) => '--' + n).join(' ')}`);
}
