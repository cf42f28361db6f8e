import { chmodSync, closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { DATABASE_FILE_MODE } from '../database/data-source-options';
import { basename, dirname, resolve } from 'node:path';
import sqlite3 from 'sqlite3';
import { DataSource } from 'typeorm';
import { allowOnly, CliUsageError } from './args';
import type { Command } from './commands';

/** 12.3 MB */
function size(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

/** Makes a finished file (and its name in the folder) survive a power cut. */
function fsyncPath(path: string, flags: 'r' | 'r+' = 'r'): void {
  const fd = openSync(path, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** `PRAGMA quick_check` on a file, opened read-only with its own connection. */
function quickCheck(path: string): Promise<string> {
  return new Promise((ok, fail) => {
    const db = new sqlite3.Database(path, sqlite3.OPEN_READONLY, (openError) => {
      if (openError) return fail(openError);
      db.all<{ quick_check: string }>('PRAGMA quick_check', (error, rows) => {
        db.close();
        if (error) fail(error);
        else ok(rows.map((r) => r.quick_check).join(' '));
      });
    });
  });
}

/** Operations commands: backup. */
export const maintenanceCommands: Record<string, Command> = {
  // A consistent copy of the SQLite database while the app keeps serving: VACUUM INTO reads one
  // snapshot (WAL lets the app write meanwhile), which a file copy of a live database would not be.
  backup: {
    usage: 'backup <ファイル>',
    // A copy is a copy: an old schema is backed up as it is (before a migration is the usual moment).
    needsMigratedDatabase: false,
    async run(app, args, io) {
      allowOnly(args, []);
      const dataSource = app.get(DataSource);
      if (dataSource.options.type !== 'sqlite') {
        throw new CliUsageError(
          'backup は SQLite 用です。PostgreSQL は pg_dump でバックアップしてください（例: pg_dump --format=custom --file=tane.dump "$DATABASE_URL"）',
        );
      }
      if (args.positional.length !== 1) {
        throw new CliUsageError('バックアップ先のファイルを1つ指定してください（例: npm run -s cli -- backup backups/tane-20260401.sqlite）');
      }
      const target = resolve(args.positional[0]);
      if (existsSync(target)) {
        throw new CliUsageError(`バックアップ先 ${target} はすでにあります。上書きはしないので、新しいファイル名を指定してください`);
      }
      const folder = dirname(target);
      if (!existsSync(folder) || !statSync(folder).isDirectory()) {
        throw new CliUsageError(`バックアップ先のフォルダ ${folder} がありません`);
      }

      // Written under a temporary name and renamed when complete and on disk, so a file with the
      // name asked for is always a whole backup, even if this run is interrupted.
      const partial = `${target}.partial-${process.pid}`;
      try {
        // Created empty, owner only, before SQLite writes into it (VACUUM INTO accepts an empty file):
        // SQLite would create it 0644, and a backup holds everything the database does.
        closeSync(openSync(partial, 'wx', DATABASE_FILE_MODE));
        chmodSync(partial, DATABASE_FILE_MODE);
        await dataSource.query('VACUUM INTO ?', [partial]);
        fsyncPath(partial, 'r+');
        const check = await quickCheck(partial);
        if (check !== 'ok') throw new Error(`バックアップの検査で問題が見つかりました（${check}）`);
        if (existsSync(target)) throw new CliUsageError(`バックアップ先 ${target} が作成中に別に作られました。新しいファイル名で実行し直してください`);
        renameSync(partial, target);
        fsyncPath(folder);
      } catch (error) {
        rmSync(partial, { force: true });
        throw error;
      }
      io.out(`バックアップを作成しました: ${target}（${size(statSync(target).size)}、検査 ok）`);
      io.out(`復元するときは、アプリを止めて ${basename(target)} を SQLITE_PATH の場所へコピーし、古い -wal と -shm を削除してから起動してください。`);
    },
  },
};
