/**
 * Loads one entity with N posted lines (2-line receipts and payments) fast, and valid.
 *
 * Validity does not come from trusting this loader: each entry is built as a LineDraft and
 * passed through the posting code's own pure check (checkDraftShape: one positive side per
 * line, balanced in total and per fund); payments never take a cash or bank account below
 * zero (the overdraft rule, tracked here in Decimal); voucher numbers are assigned gapless
 * per year in posting order; every hash is the real chain hash (chainEntryOf + chainHash, the
 * functions posting uses, so GET /verify recomputes the same chain); daily_balances are the
 * Decimal sums of the same lines; voucher_counters and entity_books end where the service
 * would have left them. The rows then go in through INSERTs of 5,000 entries or 10,000 lines (one array
 * parameter per column, unnested) in transactions of 25,000 entries, two transactions at a time
 * on two connections while the next is built, with every database guard active: foreign keys,
 * check constraints, unique numbers and chain indexes, the closed-period trigger and the
 * deferred balance triggers at each commit. The caller then proves it through the API (/verify
 * and the trial balance) and by comparing daily_balances with the lines in SQL.
 */
import Decimal from 'decimal.js';
import pg from 'pg';
import { checkDraftShape, chainEntryOf, newEntryId, pendingLinesOf, toLineRows, type LineDraft } from '../../src/ledger/posting';
import { chainHash, GENESIS_HASH } from '../../src/ledger/hash';
import { D, formatMoney, ZERO } from '../../src/shared/money';
import type { EntryRow, LineRow } from '../../src/ledger/queries';

export interface LoadedLedger {
  entries: number;
  lines: number;
  firstDate: string;
  lastDate: string;
  seconds: number;
}

const RECEIPTS = [
  { kind: 'donation', account: '4101', memo: '捐赠收入' },
  { kind: 'parking', account: '490101', memo: '停车场公共收益' },
  { kind: 'recycling', account: '490102', memo: '废旧物品回收收入' },
  { kind: 'subsidy', account: '4401', memo: '政府补助收入' },
];
const PAYMENTS = [
  { category: 'program', account: '5101', purpose: '长者助餐食材' },
  { category: 'admin', account: '5201', purpose: '办公用品' },
  { category: 'fundraising', account: '5301', purpose: '宣传物料印刷' },
];

function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function dayList(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

/**
 * One INSERT per chunk with one array parameter per column (`select * from unnest(...)`):
 * Postgres parses and plans a statement with a dozen parameters instead of a VALUES list of
 * thousands of them. The rows still go through every constraint and trigger of the table.
 */
function insertColumns(client: pg.Client, table: string, columns: [name: string, type: string][], rows: unknown[][]): Promise<unknown> {
  const names = columns.map(([name]) => name).join(', ');
  const arrays = columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
  return client.query(`insert into ${table} (${names}) select * from unnest(${arrays})`, columns.map((_, i) => rows.map((row) => row[i])));
}

const ENTRY_COLUMNS: [string, string][] = [
  ['id', 'uuid'], ['entity_id', 'uuid'], ['number', 'text'], ['voucher_year', 'integer'], ['voucher_seq', 'integer'], ['date', 'date'], ['memo', 'text'],
  ['status', 'text'], ['kind', 'text'], ['details', 'jsonb'], ['created_by', 'uuid'], ['chain_index', 'bigint'], ['prev_hash', 'text'], ['hash', 'text'],
];
const LINE_COLUMNS: [string, string][] = [
  ['entry_id', 'uuid'], ['entity_id', 'uuid'], ['date', 'date'], ['line_no', 'integer'], ['account_code', 'text'], ['fund_code', 'text'], ['debit', 'numeric'], ['credit', 'numeric'],
];
const CHUNK = 5_000;

export async function loadBigLedger(options: {
  databaseUrl: string;
  entityId: string;
  authorId: string;
  lines: number;
  from: string;
  to: string;
  entriesPerTransaction?: number;
}): Promise<LoadedLedger> {
  const started = performance.now();
  const random = lcg(42);
  const days = dayList(options.from, options.to);
  const entryCount = Math.floor(options.lines / 2);
  const monetary = new Map<string, Decimal>([
    ['1001', ZERO],
    ['1002', ZERO],
  ]);
  const daily = new Map<string, { debit: Decimal; credit: Decimal }>();
  const seqByYear = new Map<number, number>();
  let prevHash = GENESIS_HASH;

  const perTx = options.entriesPerTransaction ?? 25_000;

  // The entries from..to (exclusive) as rows, continuing the books' state (chain, numbers, balances).
  const build = (from: number, to: number): { entryRows: unknown[][]; lineRows: unknown[][] } => {
    const entryRows: unknown[][] = [];
    const lineRows: unknown[][] = [];
    for (let i = from; i < to; i += 1) {
      const date = days[Math.floor((i * days.length) / entryCount)];
      const method = random() < 0.5 ? '1001' : '1002';
      const cents = 100 + Math.floor(random() * 200_000);
      let amount = D(String(cents)).div(100);
      const held = monetary.get(method) as Decimal;
      const pay = random() < 0.45 && held.gt(0);
      let memo: string;
      let kind: string;
      let details: Record<string, unknown>;
      let lines: LineDraft[];
      if (pay) {
        const p = PAYMENTS[Math.floor(random() * PAYMENTS.length)];
        amount = Decimal.min(amount, held);
        memo = p.purpose;
        kind = 'payment';
        details = { method: method === '1001' ? 'cash' : 'bank', category: p.category, purpose: p.purpose, counterparty: { name: '平安物业服务有限公司', anonymous: false, nameConsent: true } };
        lines = [
          { accountCode: p.account, fundCode: 'GENERAL', projectId: null, debit: amount, credit: null, memo: null },
          { accountCode: method, fundCode: 'GENERAL', projectId: null, debit: null, credit: amount, memo: null },
        ];
      } else {
        const r = RECEIPTS[Math.floor(random() * RECEIPTS.length)];
        memo = r.memo;
        kind = 'receipt';
        details = { receiptKind: r.kind, method: method === '1001' ? 'cash' : 'bank', counterparty: null };
        lines = [
          { accountCode: method, fundCode: 'GENERAL', projectId: null, debit: amount, credit: null, memo: null },
          { accountCode: r.account, fundCode: 'GENERAL', projectId: null, debit: null, credit: amount, memo: null },
        ];
      }
      checkDraftShape(lines);
      for (const line of lines) {
        if (monetary.has(line.accountCode)) {
          const after = (monetary.get(line.accountCode) as Decimal).plus(line.debit ?? ZERO).minus(line.credit ?? ZERO);
          if (after.isNegative()) throw new Error(`the loader would overdraw ${line.accountCode}`);
          monetary.set(line.accountCode, after);
        }
        const key = `${line.accountCode}|${line.fundCode}|${date}`;
        const sum = daily.get(key) ?? { debit: ZERO, credit: ZERO };
        daily.set(key, { debit: sum.debit.plus(line.debit ?? ZERO), credit: sum.credit.plus(line.credit ?? ZERO) });
      }
      const year = Number(date.slice(0, 4));
      const voucherSeq = (seqByYear.get(year) ?? 0) + 1;
      seqByYear.set(year, voucherSeq);
      const number = `${year}-${String(voucherSeq).padStart(6, '0')}`;
      const chainIndex = String(i + 1);
      const id = newEntryId();
      const rows: LineRow[] = toLineRows({ id, entity_id: options.entityId, date }, pendingLinesOf(lines));
      const provisional = {
        id,
        entity_id: options.entityId,
        date,
        memo,
        kind,
        details,
        created_by: options.authorId,
        reversal_of: null,
        reversal_reason: null,
        status: 'posted',
        number,
        chain_index: chainIndex,
        approved_by: null,
      } as unknown as EntryRow;
      const hash = chainHash(prevHash, chainEntryOf(provisional, rows));
      entryRows.push([id, options.entityId, number, year, voucherSeq, date, memo, 'posted', kind, JSON.stringify(details), options.authorId, chainIndex, prevHash, hash]);
      for (const row of rows) {
        lineRows.push([row.entry_id, row.entity_id, row.date, row.line_no, row.account_code, row.fund_code, row.debit, row.credit]);
      }
      prevHash = hash;
    }
    return { entryRows, lineRows };
  };

  // One transaction per perTx entries; the last also writes the derived tables.
  const write = async (client: pg.Client, rows: { entryRows: unknown[][]; lineRows: unknown[][] }, last: boolean): Promise<void> => {
    await client.query('begin');
    for (let i = 0; i < rows.entryRows.length; i += CHUNK) await insertColumns(client, 'entries', ENTRY_COLUMNS, rows.entryRows.slice(i, i + CHUNK));
    for (let i = 0; i < rows.lineRows.length; i += 2 * CHUNK) await insertColumns(client, 'entry_lines', LINE_COLUMNS, rows.lineRows.slice(i, i + 2 * CHUNK));
    if (last) {
      const balanceRows = [...daily].map(([key, sum]) => {
        const [account, fund, day] = key.split('|');
        return [options.entityId, account, fund, day, formatMoney(sum.debit), formatMoney(sum.credit)];
      });
      for (let i = 0; i < balanceRows.length; i += CHUNK) {
        await insertColumns(client, 'daily_balances', [['entity_id', 'uuid'], ['account_code', 'text'], ['fund_code', 'text'], ['day', 'date'], ['debit', 'numeric'], ['credit', 'numeric']], balanceRows.slice(i, i + CHUNK));
      }
      await insertColumns(client, 'voucher_counters', [['entity_id', 'uuid'], ['year', 'integer'], ['last_seq', 'integer']], [...seqByYear].map(([year, seq]) => [options.entityId, year, seq]));
      await client.query('update entity_books set chain_length = $2, chain_head = $3 where entity_id = $1', [options.entityId, String(entryCount), prevHash]);
    }
    await client.query('commit');
  };

  // Two connections, so Postgres works on two transactions at once (one per core) while this
  // process builds the next: the rows are complete before they are sent (numbers, chain links,
  // hashes), so the order in which the transactions commit does not matter.
  const clients = [new pg.Client({ connectionString: options.databaseUrl }), new pg.Client({ connectionString: options.databaseUrl })];
  await Promise.all(clients.map((c) => c.connect()));
  const inFlight: Promise<void>[] = [];
  try {
    let rows = build(0, Math.min(entryCount, perTx));
    for (let start = 0, k = 0; start < entryCount; start += perTx, k += 1) {
      const last = start + perTx >= entryCount;
      // The last transaction writes the derived tables, which are complete only when every entry is built.
      if (last) await Promise.all(inFlight.splice(0));
      if (inFlight.length === clients.length) await inFlight.shift();
      const written = write(clients[k % clients.length], rows, last);
      written.catch(() => undefined); // awaited below; this only keeps an early failure from being unhandled
      inFlight.push(written);
      if (!last) rows = build(start + perTx, Math.min(entryCount, start + 2 * perTx));
    }
    await Promise.all(inFlight.splice(0));
    const client = clients[0];
    // As after any bulk import: statistics for the planner, hint bits and the visibility map
    // set (so index-only scans skip the heap), instead of leaving it to autovacuum mid-benchmark.
    await client.query('vacuum (analyze) entries, entry_lines, daily_balances');
  } catch (error) {
    await Promise.allSettled(inFlight);
    await Promise.all(clients.map((c) => c.query('rollback').catch(() => undefined)));
    throw error;
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
  return { entries: entryCount, lines: entryCount * 2, firstDate: days[0], lastDate: days[days.length - 1], seconds: (performance.now() - started) / 1000 };
}

/** Rows where daily_balances disagree with the sums of the posted lines (0 when consistent). */
export async function dailyBalanceMismatches(databaseUrl: string, entityId: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result = await client.query(
      `with l as (
         select account_code, fund_code, date as day, coalesce(sum(debit), 0) as debit, coalesce(sum(credit), 0) as credit
           from entry_lines where entity_id = $1 group by 1, 2, 3),
       d as (select account_code, fund_code, day, debit, credit from daily_balances where entity_id = $1)
       select count(*)::int as n from ((select * from l except select * from d) union all (select * from d except select * from l)) x`,
      [entityId],
    );
    return result.rows[0].n;
  } finally {
    await client.end();
  }
}
