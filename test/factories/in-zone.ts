import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs `expression` in a fresh Node process whose clock zone is `zone` (TZ), with `module` (a .ts file under
 * src/, compiled on the fly by TypeScript) bound as `m`, and returns the expression's value (JSON). Jest's
 * sandbox keeps a test from changing the zone of its own process, so a rule that must not depend on the
 * server's zone is checked here, in a process that really runs in another one.
 */
export function evaluateInZone<T>(zone: string, module: string, expression: string): T {
  const script = `
    const fs = require('node:fs');
    const ts = require('typescript');
    require.extensions['.ts'] = (m, filename) => {
      const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, experimentalDecorators: true, emitDecoratorMetadata: false },
      });
      m._compile(out.outputText, filename);
    };
    const m = require(${JSON.stringify(join(__dirname, '..', '..', module))});
    process.stdout.write(JSON.stringify({ offset: new Date('2026-06-01T00:00:00Z').getTimezoneOffset(), value: (${expression}) }));
  `;
  const run = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, TZ: zone }, encoding: 'utf8', cwd: join(__dirname, '..', '..') });
  if (run.status !== 0) throw new Error(`evaluateInZone(${zone}) failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}
