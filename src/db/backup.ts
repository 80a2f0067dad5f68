/**
 * Logical backup and restore of all books, owned by the service (the embedded Postgres ships
 * no pg_dump). A backup is one REPEATABLE READ, READ ONLY transaction, so it is a consistent
 * snapshot even while the service posts; it writes JSON lines: a header (format, migrations,
 * tables with their columns) and then every row of every table in foreign-key order, each
 * value as Postgres prints it (text), so money, timestamps, bytea and jsonb come back exactly
 * and never pass through a JS number. Restore goes into a migrated database with no books, in
 * one transaction, by INSERT only — the append-only and balance triggers stay on and check
 * every row — then moves the sequences past the restored ids. It must not be used to merge
 * books into a database that already has some.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import type { Knex } from 'knex';

export const BACKUP_FORMAT = 'community-fund-ledger/backup';
export const BACKUP_VERSION = 1;
const BATCH = 500;

export interface TableInfo {
  name: string;
  columns: string[];
  rows: number;
}

export interface BackupHeader {
  format: string;
  version: number;
  createdAt: string;
  migrations: string[];
  tables: TableInfo[];
}

interface ForeignKey {
  table: string;
  references: string;
  columns: string[];
  referencedColumns: string[];
}

async function migrationNames(db: Knex | Knex.Transaction): Promise<string[]> {
  const rows: { name: string }[] = await db('knex_migrations').orderBy('id').select('name');
  return rows.map((row) => row.name.replace(/\.(ts|js)$/, ''));
}

async function userTables(db: Knex | Knex.Transaction): Promise<string[]> {
  const result = await db.raw(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r','p') and c.relname not like 'knex\\_%' order by c.relname`,
  );
  return result.rows.map((row: { name: string }) => row.name);
}

async function columnsOf(db: Knex | Knex.Transaction, table: string): Promise<string[]> {
  const result = await db.raw(
    `select a.attname as name from pg_attribute a
      where a.attrelid = ?::regclass and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
      order by a.attnum`,
    [`public."${table}"`],
  );
  return result.rows.map((row: { name: string }) => row.name);
}

async function foreignKeys(db: Knex | Knex.Transaction): Promise<ForeignKey[]> {
  const result = await db.raw(
    `select c.conrelid::regclass::text as "table", c.confrelid::regclass::text as "references",
            array_to_string(array(select a.attname from unnest(c.conkey) with ordinality k(n, i) join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.i), ',') as columns,
            array_to_string(array(select a.attname from unnest(c.confkey) with ordinality k(n, i) join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n order by k.i), ',') as referenced
       from pg_constraint c join pg_namespace n on n.oid = c.connamespace
      where c.contype = 'f' and n.nspname = 'public'`,
  );
  return result.rows.map((row: { table: string; references: string; columns: string; referenced: string }) => ({
    table: row.table.replace(/"/g, ''),
    references: row.references.replace(/"/g, ''),
    columns: row.columns.split(','),
    referencedColumns: row.referenced.split(','),
  }));
}

/** Tables ordered so that every table comes after the tables it references. */
function dependencyOrder(tables: string[], keys: ForeignKey[]): string[] {
  const ordered: string[] = [];
  const remaining = new Set(tables);
  while (remaining.size > 0) {
    const ready = [...remaining].filter((table) => keys.every((key) => key.table !== table || key.references === table || !remaining.has(key.references)));
    if (ready.length === 0) throw new Error(`cannot order tables with circular foreign keys: ${[...remaining].join(', ')}`);
    for (const table of ready.sort()) {
      ordered.push(table);
      remaining.delete(table);
    }
  }
  return ordered;
}

/** Rows of a self-referencing table, each after the row it references (parents before children). */
function selfOrder(rows: (string | null)[][], columns: string[], selfKeys: ForeignKey[]): (string | null)[][] {
  if (selfKeys.length === 0) return rows;
  const index = (name: string) => columns.indexOf(name);
  const keyOf = (row: (string | null)[], names: string[]) => JSON.stringify(names.map((name) => row[index(name)]));
  const emitted = new Set<string>();
  const ordered: (string | null)[][] = [];
  let pending = rows;
  while (pending.length > 0) {
    const next: (string | null)[][] = [];
    for (const row of pending) {
      const waiting = selfKeys.some((key) => {
        if (key.columns.some((name) => row[index(name)] === null)) return false;
        const target = JSON.stringify(key.columns.map((name) => row[index(name)]));
        return !emitted.has(`${key.referencedColumns.join(',')}|${target}`);
      });
      if (waiting) {
        next.push(row);
        continue;
      }
      ordered.push(row);
      for (const key of selfKeys) emitted.add(`${key.referencedColumns.join(',')}|${keyOf(row, key.referencedColumns)}`);
    }
    if (next.length === pending.length) throw new Error('rows of a self-referencing table form a cycle');
    pending = next;
  }
  return ordered;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Writes a consistent backup of every table to `file`; returns its header. */
export async function backupToFile(db: Knex, file: string): Promise<BackupHeader> {
  const temp = `${file}.partial`;
  // Only its owner may read it: it holds password hashes and donors' names.
  const out = fs.createWriteStream(temp, { encoding: 'utf8', mode: 0o600 });
  // One error listener for the whole file (one per wait for 'drain' piled up past Node's warning).
  let failed: unknown;
  out.on('error', (error) => (failed = error));
  const write = (line: string) =>
    new Promise<void>((resolve, reject) => {
      if (failed) reject(failed);
      else if (out.write(`${line}\n`)) resolve();
      else out.once('drain', () => (failed ? reject(failed) : resolve()));
    });
  const header = await db.transaction(
    async (tx) => {
      const migrations = await migrationNames(tx);
      const keys = await foreignKeys(tx);
      const order = dependencyOrder(await userTables(tx), keys);
      const tables: TableInfo[] = [];
      const data: { table: string; rows: (string | null)[][] }[] = [];
      for (const table of order) {
        const columns = await columnsOf(tx, table);
        const select = columns.map((column) => `${quoteIdent(column)}::text as ${quoteIdent(column)}`).join(', ');
        const result = await tx.raw(`select ${select} from ${quoteIdent(table)}`, []);
        const rows = result.rows.map((row: Record<string, string | null>) => columns.map((column) => row[column]));
        const ordered = selfOrder(rows, columns, keys.filter((key) => key.table === table && key.references === table));
        tables.push({ name: table, columns, rows: ordered.length });
        data.push({ table, rows: ordered });
      }
      const head: BackupHeader = { format: BACKUP_FORMAT, version: BACKUP_VERSION, createdAt: new Date().toISOString(), migrations, tables };
      await write(JSON.stringify(head));
      for (const { table, rows } of data) {
        for (const row of rows) await write(JSON.stringify({ t: table, v: row }));
      }
      return head;
    },
    { isolationLevel: 'repeatable read', readOnly: true },
  );
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  fs.renameSync(temp, file);
  return header;
}

/** One line of a backup file; a line that is not JSON means the file was cut short or damaged. */
function parseLine(text: string, lineNumber: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`line ${lineNumber} of the backup file is not whole (${text.length} characters): the file was cut short or damaged. Nothing was restored; use a complete backup file`);
  }
}

/** Restores a backup into a migrated database that holds no books yet. */
export async function restoreFromFile(db: Knex, file: string): Promise<BackupHeader> {
  const lines = readline.createInterface({ input: fs.createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) throw new Error('the backup file is empty');
  const header = parseLine(first.value, 1) as BackupHeader;
  if (header.format !== BACKUP_FORMAT || header.version !== BACKUP_VERSION) throw new Error(`not a backup of this service (format ${header.format} v${header.version})`);
  try {
    await db.transaction(async (tx) => {
      const migrations = await migrationNames(tx);
      if (JSON.stringify(migrations) !== JSON.stringify(header.migrations)) {
        throw new Error(`the backup was taken at migrations [${header.migrations.join(', ')}], this database is at [${migrations.join(', ')}]`);
      }
      for (const table of ['users', 'entities']) {
        const row = await tx(table).first();
        if (row) throw new Error(`the target database already holds ${table}: restore only into an empty, freshly migrated database`);
      }
      // Tables a migration filled (reference data such as the chart template) already hold the same rows.
      const prefilled = new Set<string>();
      for (const table of header.tables) {
        if (await tx(table.name).first()) prefilled.add(table.name);
      }
      const columns = new Map(header.tables.map((table) => [table.name, table.columns]));
      let batch: Record<string, string | null>[] = [];
      let batchTable = '';
      const flush = async () => {
        if (batch.length === 0) return;
        const insert = tx(batchTable).insert(batch);
        if (prefilled.has(batchTable)) await insert.onConflict().ignore();
        else await insert;
        batch = [];
      };
      const counts = new Map<string, number>();
      let lineNumber = 1;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        lineNumber += 1;
        if (!next.value.trim()) continue;
        const record = parseLine(next.value, lineNumber) as { t: string; v: (string | null)[] };
        const names = columns.get(record.t);
        if (!names || names.length !== record.v.length) throw new Error(`a row of ${record.t} does not match the header`);
        if (record.t !== batchTable || batch.length >= BATCH) {
          await flush();
          batchTable = record.t;
        }
        batch.push(Object.fromEntries(names.map((name, index) => [name, record.v[index]])));
        counts.set(record.t, (counts.get(record.t) ?? 0) + 1);
      }
      await flush();
      for (const table of header.tables) {
        if ((counts.get(table.name) ?? 0) !== table.rows) throw new Error(`the backup is truncated: ${table.name} has ${counts.get(table.name) ?? 0} of ${table.rows} rows`);
      }
      await resetSequences(tx, header.tables);
    });
  } finally {
    lines.close();
  }
  return header;
}

/** Every serial column's sequence continues after the largest restored value. */
async function resetSequences(tx: Knex.Transaction, tables: TableInfo[]): Promise<void> {
  for (const table of tables) {
    for (const column of table.columns) {
      const result = await tx.raw('select pg_get_serial_sequence(?, ?) as seq', [`public.${quoteIdent(table.name)}`, column]);
      const sequence = result.rows[0]?.seq as string | null;
      if (!sequence) continue;
      await tx.raw(`select setval(?, coalesce((select max(${quoteIdent(column)}) from ${quoteIdent(table.name)}), 0) + 1, false)`, [sequence]);
    }
  }
}
