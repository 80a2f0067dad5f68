import Decimal from 'decimal.js';
import fc from 'fast-check';
import { useTestContext } from '../support/context';
import { stationWithStaff } from '../factories';

const ctx = useTestContext();

describe('concurrent postings', () => {
  it('20 concurrent postings with one Idempotency-Key make exactly one entry and the same answer', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const body = { kind: 'parking', date: '2026-04-01', amount: '12.30', method: 'cash' };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => ctx.request().post(`/api/entities/${entity.id}/receipts`).set(treasurer.auth).set('Idempotency-Key', 'day-0401-parking').send(body)),
    );
    expect(new Set(responses.map((res) => res.status))).toEqual(new Set([201]));
    expect(new Set(responses.map((res) => res.body.id)).size).toBe(1);
    expect(new Set(responses.map((res) => res.body.number))).toEqual(new Set(['2026-000001']));
    const entries = await ctx.request().get(`/api/entities/${entity.id}/entries`).set(treasurer.auth);
    expect(entries.body.items).toHaveLength(1);

    const different = await ctx.request().post(`/api/entities/${entity.id}/receipts`).set(treasurer.auth).set('Idempotency-Key', 'day-0401-parking').send({ ...body, amount: '12.31' });
    expect(different.status).toBe(409);
    expect(different.body.code).toBe('idempotency_key_reused');
  });

  it('200 concurrent postings on the same accounts give exact balances and gapless numbers', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const amounts = Array.from({ length: 200 }, (_, index) => new Decimal(index + 1).div(100).plus(index % 7).toFixed(2));
    const responses = await Promise.all(
      amounts.map((amount) =>
        ctx.request().post(`/api/entities/${entity.id}/entries`).set(treasurer.auth).send({ date: '2026-04-02', memo: '并发', lines: [{ accountCode: '1001', debit: amount }, { accountCode: '490101', credit: amount }] }),
      ),
    );
    expect(responses.filter((res) => res.status !== 201).map((res) => [res.status, res.body])).toEqual([]);
    const numbers = responses.map((res) => res.body.number as string).sort();
    expect(numbers).toEqual(Array.from({ length: 200 }, (_, index) => `2026-${String(index + 1).padStart(6, '0')}`));
    const expected = amounts.reduce((sum, amount) => sum.plus(amount), new Decimal(0)).toFixed(2);
    const tb = await ctx.request().get(`/api/entities/${entity.id}/trial-balance?asOf=2026-04-30`).set(treasurer.auth);
    expect(tb.body.rows.find((row: { accountCode: string }) => row.accountCode === '1001').balance).toBe(expected);
    expect(tb.body.totals).toEqual({ debit: expected, credit: expected });
    const verify = await ctx.request().get(`/api/entities/${entity.id}/verify`).set(treasurer.auth);
    expect(verify.body).toMatchObject({ ok: true, entries: 200 });
  });
});

describe('GET …/verify under load', () => {
  it('never reports a healthy chain as broken while entries are being posted', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const posts = Array.from({ length: 120 }, (_, index) =>
      ctx.request().post(`/api/entities/${entity.id}/receipts`).set(treasurer.auth).send({ kind: 'recycling', date: '2026-04-03', amount: `${index + 1}.00`, method: 'cash' }),
    );
    const verifies = Array.from({ length: 15 }, () => ctx.request().get(`/api/entities/${entity.id}/verify`).set(treasurer.auth));
    const [posted, verified] = await Promise.all([Promise.all(posts), Promise.all(verifies)]);
    expect(posted.every((res) => res.status === 201)).toBe(true);
    expect(verified.map((res) => [res.status, res.body.ok, res.body.firstBad])).toEqual(verified.map(() => [200, true, null]));
  });
});

describe('GET …/statement under load', () => {
  it('always adds up while entries are being posted: opening + debits − credits = closing = the last running balance', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const posts = Array.from({ length: 150 }, (_, index) =>
      ctx.request().post(`/api/entities/${entity.id}/receipts`).set(treasurer.auth).send({ kind: 'parking', date: `2026-05-${String(1 + (index % 28)).padStart(2, '0')}`, amount: `${index + 1}.25`, method: 'cash' }),
    );
    const statements = Array.from({ length: 40 }, (_, index) =>
      ctx.request().get(`/api/entities/${entity.id}/accounts/1001/statement?from=2026-05-${String(1 + (index % 20)).padStart(2, '0')}&to=2026-05-31`).set(treasurer.auth),
    );
    const [posted, read] = await Promise.all([Promise.all(posts), Promise.all(statements)]);
    expect(posted.every((res) => res.status === 201)).toBe(true);
    for (const res of read) {
      expect(res.status).toBe(200);
      const { openingBalance, totals, closingBalance, lines } = res.body;
      expect(new Decimal(openingBalance).plus(totals.debit).minus(totals.credit).toFixed(2)).toBe(closingBalance);
      if (lines.length > 0) expect(lines[lines.length - 1].balance).toBe(closingBalance);
      const debits = lines.reduce((sum: Decimal, line: { debit: string | null }) => sum.plus(line.debit ?? 0), new Decimal(0));
      expect(debits.toFixed(2)).toBe(totals.debit);
    }
  });
});

describe('group commit', () => {
  it('concurrent postings across stations that share a batch are answered one by one: refused ones fail alone', async () => {
    const stations = [await stationWithStaff(ctx), await stationWithStaff(ctx), await stationWithStaff(ctx)];
    for (const { entity, treasurer } of stations) {
      await ctx.request().post(`/api/entities/${entity.id}/receipts`).set(treasurer.auth).send({ kind: 'parking', date: '2026-02-01', amount: '1.00', method: 'cash' }).expect(201);
      await ctx.request().post(`/api/entities/${entity.id}/periods/2026-02/close`).set(treasurer.auth).expect(200);
    }
    const requests = Array.from({ length: 60 }, (_, index) => {
      const { entity, treasurer } = stations[index % 3];
      const kind = index % 10 === 0 ? 'closed' : index % 10 === 5 ? 'overdraw' : 'ok';
      const request = ctx.request();
      const call =
        kind === 'overdraw'
          ? request.post(`/api/entities/${entity.id}/payments`).set(treasurer.auth).send({ date: '2026-03-02', amount: '99999.00', method: 'bank', payee: 'X', purpose: 'p', category: 'program' })
          : request.post(`/api/entities/${entity.id}/receipts`).set(treasurer.auth).send({ kind: 'parking', date: kind === 'closed' ? '2026-02-15' : '2026-03-02', amount: '2.50', method: 'cash' });
      return call.then((res) => ({ kind, res, entityId: entity.id }));
    });
    const answers = await Promise.all(requests);
    for (const { kind, res } of answers) {
      if (kind === 'ok') expect(res.status).toBe(201);
      if (kind === 'closed') expect([res.status, res.body.code]).toEqual([409, 'period_closed']);
      if (kind === 'overdraw') expect([res.status, res.body.code]).toEqual([422, 'insufficient_funds']);
    }
    for (const { entity, treasurer } of stations) {
      const posted = answers.filter((answer) => answer.entityId === entity.id && answer.kind === 'ok').map((answer) => answer.res.body.number as string).sort();
      expect(posted).toEqual(Array.from({ length: posted.length }, (_, index) => `2026-${String(index + 2).padStart(6, '0')}`));
      const verify = await ctx.request().get(`/api/entities/${entity.id}/verify`).set(treasurer.auth);
      expect(verify.body).toMatchObject({ ok: true, entries: posted.length + 1 });
      const tb = await ctx.request().get(`/api/entities/${entity.id}/trial-balance?asOf=2026-03-31`).set(treasurer.auth);
      expect(tb.body.rows.find((row: { accountCode: string }) => row.accountCode === '1001').balance).toBe(new Decimal('2.50').times(posted.length).plus(1).toFixed(2));
    }
  });
});

describe('a close racing receipts', () => {
  it("stamps the month closed after every entry it holds: an entry dated in it was made before closedAt", async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    await ctx.request().post(`/api/entities/${entity.id}/receipts`).set(treasurer.auth).send({ kind: 'parking', date: '2026-02-01', amount: '1.00', method: 'cash' }).expect(201);
    for (let round = 0; round < 3; round += 1) {
      const month = `2026-0${2 + round}`;
      const receipts = Array.from({ length: 12 }, () =>
        ctx.request().post(`/api/entities/${entity.id}/receipts`).set(treasurer.auth).send({ kind: 'parking', date: `${month}-15`, amount: '2.00', method: 'cash' }));
      const close = ctx.request().post(`/api/entities/${entity.id}/periods/${month}/close`).set(treasurer.auth);
      const [closed, ...answers] = await Promise.all([close, ...receipts]);
      expect(closed.status).toBe(200);
      expect(answers.every((answer) => answer.status === 201 || (answer.status === 409 && answer.body.code === 'period_closed'))).toBe(true);
      const period = (await ctx.request().get(`/api/entities/${entity.id}/periods`).set(treasurer.auth)).body.items.find((item: { period: string }) => item.period === month);
      const entries = (await ctx.request().get(`/api/entities/${entity.id}/entries?from=${month}-01&to=${month}-28&limit=500`).set(treasurer.auth)).body.items as { createdAt: string }[];
      for (const entry of entries) expect(Date.parse(entry.createdAt)).toBeLessThan(Date.parse(period.closedAt));
    }
  });
});

describe('property: accepted entries keep the books balanced and match a model', () => {
  const accounts = ['1001', '1002', '490101', '490102', '4101', '5101', '5201'];
  const cents = fc.integer({ min: 1, max: 5_000_00 }).map((value) => new Decimal(value).div(100).toFixed(2));
  const line = fc.record({ accountCode: fc.constantFrom(...accounts), side: fc.constantFrom('debit', 'credit'), amount: cents });
  const entry = fc.array(line, { minLength: 1, maxLength: 5 });

  it('any sequence of requests: rejected ones leave nothing, accepted ones sum like the model', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const model = new Map<string, Decimal>();
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(entry, fc.boolean()), { minLength: 1, maxLength: 6 }), async (batch) => {
        // Entries marked balanceIt get a closing line that balances them; the others are sent as generated.
        for (const [lines, balanceIt] of batch) {
          const body = lines.map((item) => ({ accountCode: item.accountCode, [item.side]: item.amount }));
          if (balanceIt) {
            const net = lines.reduce((sum, item) => (item.side === 'debit' ? sum.plus(item.amount) : sum.minus(item.amount)), new Decimal(0));
            if (!net.isZero()) body.push({ accountCode: '490199', [net.isPositive() ? 'credit' : 'debit']: net.abs().toFixed(2) });
          }
          const res = await ctx.request().post(`/api/entities/${entity.id}/entries`).set(treasurer.auth).send({ date: '2026-05-03', memo: 'prop', lines: body });
          expect([201, 422]).toContain(res.status);
          if (res.status === 201) {
            accepted += 1;
            for (const item of body) {
              const signed = 'debit' in item ? new Decimal(item.debit as string) : new Decimal(item.credit as string).neg();
              model.set(item.accountCode, (model.get(item.accountCode) ?? new Decimal(0)).plus(signed));
            }
          }
        }
        const tb = await ctx.request().get(`/api/entities/${entity.id}/trial-balance?asOf=2026-05-31`).set(treasurer.auth);
        expect(tb.body.totals.debit).toBe(tb.body.totals.credit);
        const actual = new Map<string, string>(tb.body.rows.map((row: { accountCode: string; debit: string; credit: string }) => [row.accountCode, new Decimal(row.debit).minus(row.credit).toFixed(2)]));
        for (const [code, balance] of model) expect([code, actual.get(code) ?? '0.00']).toEqual([code, balance.toFixed(2)]);
      }),
      { numRuns: 25 },
    );
    const entries = await ctx.db('entries').where({ entity_id: entity.id }).count<{ count: string }[]>('* as count');
    expect(Number(entries[0].count)).toBe(accepted);
    const verify = await ctx.request().get(`/api/entities/${entity.id}/verify`).set(treasurer.auth);
    expect(verify.body.ok).toBe(true);
  });
});
