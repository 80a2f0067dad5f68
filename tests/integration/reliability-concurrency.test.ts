/**
 * Concurrency and idempotency through real sockets: many clients posting into the same two
 * accounts at once must leave exact balances and gapless voucher numbers, and one
 * Idempotency-Key sent many times at once must create exactly one entry.
 */
import Decimal from 'decimal.js';
import fc from 'fast-check';
import { useTestContext } from '../support/context';
import { call, listenInProcess, Listening } from '../support/child-service';
import { stationWithStaff } from '../factories';

const ctx = useTestContext();
let server: Listening;

beforeAll(async () => {
  server = await listenInProcess(ctx.app);
});
afterAll(async () => {
  await server?.close();
});

async function inParallel<T>(count: number, clients: number, send: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (;;) {
        const index = next++;
        if (index >= count) return;
        results[index] = await send(index);
      }
    }),
  );
  return results;
}

describe('POST /api/entities/:id/entries and /receipts under load', () => {
  test('2,000 postings from 32 concurrent clients into the same two accounts leave exact balances and gapless numbers', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const total = 2000;
    const amounts = fc.sample(
      fc.tuple(fc.integer({ min: 0, max: 99_999 }), fc.integer({ min: 0, max: 99 })).filter(([units, cents]) => units + cents > 0).map(([units, cents]) => `${units}.${String(cents).padStart(2, '0')}`),
      { numRuns: total, seed: 20260301 },
    );
    const started = Date.now();
    const responses = await inParallel(total, 32, (index) =>
      index % 2 === 0
        ? call(server.baseUrl, 'POST', `/api/entities/${entity.id}/entries`, {
            token: treasurer.token,
            body: {
              date: '2026-03-10',
              memo: `停车费 #${index}`,
              lines: [
                { accountCode: '1001', debit: amounts[index] },
                { accountCode: '490101', credit: amounts[index] },
              ],
            },
          })
        : call(server.baseUrl, 'POST', `/api/entities/${entity.id}/receipts`, {
            token: treasurer.token,
            body: { kind: 'parking', date: '2026-03-10', amount: amounts[index], method: 'cash' },
          }),
    );
    const elapsed = Date.now() - started;

    const statuses = new Map<number, number>();
    for (const response of responses) statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    expect(Object.fromEntries(statuses)).toEqual({ 201: total });

    const sent = amounts.reduce((sum, amount) => sum.plus(amount), new Decimal(0)).toFixed(2);
    const balance = await ctx.request().get(`/api/entities/${entity.id}/trial-balance?asOf=2026-12-31`).set(treasurer.auth);
    expect(balance.status).toBe(200);
    expect(balance.body.totals).toEqual({ debit: sent, credit: sent });
    const byCode = Object.fromEntries(balance.body.rows.map((row: { accountCode: string; balance: string }) => [row.accountCode, row.balance]));
    expect(byCode).toEqual({ '1001': sent, '490101': sent });

    const numbers = responses.map((response) => response.body.number as string).sort();
    const expected = Array.from({ length: total }, (_, index) => `2026-${String(index + 1).padStart(6, '0')}`);
    expect(numbers).toEqual(expected);

    const verify = await ctx.request().get(`/api/entities/${entity.id}/verify`).set(treasurer.auth);
    expect(verify.body).toMatchObject({ ok: true, entries: total });
    process.stdout.write(`concurrency: ${total} postings, 32 clients, ${elapsed} ms, statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`);
  });
});

describe('Idempotency-Key', () => {
  test('50 parallel requests with one key create exactly one entry and all get the same answer', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const body = { kind: 'donation', date: '2026-03-11', amount: '88.80', method: 'bank', payer: '李四' };
    const responses = await inParallel(50, 50, () =>
      call(server.baseUrl, 'POST', `/api/entities/${entity.id}/receipts`, { token: treasurer.token, body, headers: { 'Idempotency-Key': 'donation-li-si-0311' } }),
    );
    const distinct = new Set(responses.map((response) => JSON.stringify([response.status, response.body.id, response.body.number])));
    expect([...distinct]).toEqual([JSON.stringify([201, responses[0].body.id, '2026-000001'])]);
    // The replay is stored as jsonb, which may reorder keys: the answers are equal as JSON values.
    for (const response of responses) expect(response.body).toEqual(responses[0].body);

    const list = await ctx.request().get(`/api/entities/${entity.id}/entries`).set(treasurer.auth);
    expect(list.body.items.map((item: { id: string }) => item.id)).toEqual([responses[0].body.id]);

    const other = await call(server.baseUrl, 'POST', `/api/entities/${entity.id}/receipts`, {
      token: treasurer.token,
      body: { ...body, amount: '88.81' },
      headers: { 'Idempotency-Key': 'donation-li-si-0311' },
    });
    expect(other.status).toBe(409);
    expect(other.contentType).toContain('application/problem+json');
    expect(other.body.code).toBe('idempotency_key_reused');
    const after = await ctx.request().get(`/api/entities/${entity.id}/entries`).set(treasurer.auth);
    expect(after.body.items).toHaveLength(1);
  });

  test('50 parallel journal entries with one key on /entries give one entry', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const body = { date: '2026-03-12', memo: '回收款', lines: [{ accountCode: '1001', debit: '12.34' }, { accountCode: '490102', credit: '12.34' }] };
    const responses = await inParallel(50, 50, () =>
      call(server.baseUrl, 'POST', `/api/entities/${entity.id}/entries`, { token: treasurer.token, body, headers: { 'Idempotency-Key': 'k-entries-1' } }),
    );
    expect(new Set(responses.map((response) => `${response.status} ${response.body.id} ${response.body.number}`)).size).toBe(1);
    expect(responses[0].status).toBe(201);
    const list = await ctx.request().get(`/api/entities/${entity.id}/entries`).set(treasurer.auth);
    expect(list.body.items).toHaveLength(1);
  });
});
