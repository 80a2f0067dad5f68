/**
 * `npm run backup -- <file>` and `npm run restore -- <file>`. The database is DATABASE_URL, or
 * the embedded Postgres under DATA_DIR: the running one if the service has it up (found
 * through postmaster.pid, so a backup needs no downtime), otherwise started for the command
 * and stopped after. Restore migrates the target first and refuses a database that already
 * holds books.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config';
import { backupToFile, restoreFromFile } from './backup';
import { createDb, migrate } from './knex';
import { startEmbeddedPostgres, EmbeddedDatabase } from './embedded';

/** The port of a live postmaster on DATA_DIR's cluster, if there is one. */
function runningPort(dataDir: string): number | null {
  try {
    const lines = fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n');
    const pid = parseInt(lines[0] ?? '', 10);
    process.kill(pid, 0);
    const port = parseInt(lines[3] ?? '', 10);
    return Number.isInteger(port) && port > 0 ? port : null;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const [command, file] = process.argv.slice(2);
  if ((command !== 'backup' && command !== 'restore') || !file) {
    process.stderr.write('usage: npm run backup -- <file> | npm run restore -- <file>\n');
    process.exit(2);
  }
  const config = loadConfig();
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (!url) {
    const port = runningPort(config.dataDir);
    if (port) {
      const password = fs.readFileSync(path.join(config.dataDir, 'pg-password'), 'utf8').trim();
      url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/ledger`;
    } else {
      embedded = await startEmbeddedPostgres({ dataDir: config.dataDir });
      url = embedded.url;
    }
  }
  const db = createDb(url, { max: 2 });
  try {
    const target = path.resolve(file);
    if (command === 'backup') {
      const header = await backupToFile(db, target);
      const rows = header.tables.reduce((sum, table) => sum + table.rows, 0);
      process.stdout.write(`backup written to ${target}: ${header.tables.length} tables, ${rows} rows, migrations up to ${header.migrations[header.migrations.length - 1] ?? '(none)'}\n`);
    } else {
      await migrate(db);
      const header = await restoreFromFile(db, target);
      const rows = header.tables.reduce((sum, table) => sum + table.rows, 0);
      process.stdout.write(`restored ${rows} rows into ${header.tables.length} tables from ${target} (taken ${header.createdAt})\n`);
    }
  } finally {
    await db.destroy();
    if (embedded) await embedded.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${command()} failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

function command(): string {
  return process.argv[2] ?? 'backup';
}
