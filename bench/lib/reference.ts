/**
 * The reference for posting throughput: the same rows the service writes for a 2-line
 * receipt (one entry, two lines), written by plain SQL, one transaction per entry, 16
 * connections, pgbench-style. The rows go into their own entities (REF1..REF50, created
 * through the API) so the dummy hashes never touch a chain that /verify checks; they still
 * pass every database rule: foreign keys, the posted-row check constraint, unique number and
 * chain index per entity (from a sequence), the closed-period trigger and the deferred
 * balance trigger at commit.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface ReferenceResult {
  perSecond: number;
  transactions: number;
  seconds: number;
  client: string;
}

const SCRIPT = `\\set s random(1, 50)
\\set cents random(1, 50000)
BEGIN;
SELECT gen_random_uuid() AS id, nextval('bench_ref_seq') AS n, id AS ent, '2026-' || lpad((:s % 10 + 1)::text, 2, '0') || '-15' AS day FROM entities WHERE code = 'REF' || :s \\gset
INSERT INTO entries (id, entity_id, number, date, memo, status, kind, details, chain_index, prev_hash, hash) VALUES (':id', ':ent', 'R-' || :n, ':day', '捐赠收入', 'posted', 'receipt', '{"method":"cash","receiptKind":"donation","counterparty":null}', :n, 'ref', 'ref-' || :n);
INSERT INTO entry_lines (entry_id, entity_id, date, line_no, account_code, fund_code, project_id, debit, credit) VALUES (':id', ':ent', ':day', 1, '1001', 'GENERAL', NULL, :cents / 100.0, NULL);
INSERT INTO entry_lines (entry_id, entity_id, date, line_no, account_code, fund_code, project_id, debit, credit) VALUES (':id', ':ent', ':day', 2, '4101', 'GENERAL', NULL, NULL, :cents / 100.0);
END;
`;

export async function prepareReference(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('create sequence if not exists bench_ref_seq');
  await client.end();
}

export function hasPgbench(): boolean {
  return spawnSync('pgbench', ['--version']).error === undefined;
}

export async function runReference(databaseUrl: string, seconds: number, connections = 16): Promise<ReferenceResult> {
  if (hasPgbench()) return runPgbench(databaseUrl, seconds, connections);
  return runNodePg(databaseUrl, seconds, connections);
}

async function runPgbench(databaseUrl: string, seconds: number, connections: number): Promise<ReferenceResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ref-'));
  const script = path.join(dir, 'entry.sql');
  fs.writeFileSync(script, SCRIPT);
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('pgbench', ['-n', '-c', String(connections), '-j', '2', '-T', String(seconds), '-f', script, databaseUrl]);
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.on('error', reject);
    child.on('exit', () => resolve(text));
  });
  fs.rmSync(dir, { recursive: true, force: true });
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(output);
  const processed = /number of transactions actually processed: (\d+)/.exec(output);
  const failed = /number of failed transactions: (\d+)/.exec(output);
  if (!tps || !processed) throw new Error(`pgbench printed no result:\n${output}`);
  if (failed && failed[1] !== '0') throw new Error(`pgbench: ${failed[1]} reference transactions failed:\n${output}`);
  return { perSecond: Number(tps[1]), transactions: Number(processed[1]), seconds, client: 'pgbench' };
}

/** Without pgbench: the same transaction from node-postgres, 16 connections (client-bound on 2 cores). */
async function runNodePg(databaseUrl: string, seconds: number, connections: number): Promise<ReferenceResult> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const worker = async () => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const { rows } = await client.query(`select id from entities where code like 'REF%' order by code`);
    while (performance.now() < deadline) {
      const ent = rows[Math.floor(Math.random() * rows.length)].id as string;
      await client.query('begin');
      const head = await client.query(`select gen_random_uuid() as id, nextval('bench_ref_seq') as n`);
      const { id, n } = head.rows[0];
      await client.query(
        `insert into entries (id, entity_id, number, date, memo, status, kind, chain_index, prev_hash, hash) values ($1, $2, 'R-' || $3, '2026-06-15', '捐赠收入', 'posted', 'receipt', $3, 'ref', 'ref-' || $3)`,
        [id, ent, n],
      );
      await client.query(`insert into entry_lines (entry_id, entity_id, date, line_no, account_code, fund_code, debit) values ($1, $2, '2026-06-15', 1, '1001', 'GENERAL', '10.00')`, [id, ent]);
      await client.query(`insert into entry_lines (entry_id, entity_id, date, line_no, account_code, fund_code, credit) values ($1, $2, '2026-06-15', 2, '4101', 'GENERAL', '10.00')`, [id, ent]);
      await client.query('commit');
      done += 1;
    }
    await client.end();
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - started) / 1000;
  return { perSecond: done / elapsed, transactions: done, seconds: elapsed, client: 'node-postgres (client-bound)' };
}
