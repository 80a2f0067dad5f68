import crypto from 'node:crypto';
import { useTestContext } from '../support/context';
import { receive, stationWithStaff } from '../factories';

const ctx = useTestContext();
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), crypto.randomBytes(200)]);

describe('POST /api/entities/:entityId/entries/:id/attachments', () => {
  it('stores a receipt photo by content type with its SHA-256, and serves it back to the entity', async () => {
    const { entity, treasurer, supervisor } = await stationWithStaff(ctx);
    const entry = await receive(ctx, treasurer, entity.id, '20.00');
    const res = await ctx.request().post(`/api/entities/${entity.id}/entries/${entry.id}/attachments`).set(treasurer.auth).attach('file', PNG, '收据.png');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ filename: '收据.png', contentType: 'image/png', size: PNG.length, sha256: crypto.createHash('sha256').update(PNG).digest('hex') });
    const read = await ctx.request().get(`/api/entities/${entity.id}/entries/${entry.id}`).set(supervisor.auth);
    expect(read.body.attachments).toEqual([expect.objectContaining({ id: res.body.id, sha256: res.body.sha256 })]);
    const download = await ctx.request().get(`/api/entities/${entity.id}/entries/${entry.id}/attachments/${res.body.id}`).set(supervisor.auth).buffer(true).parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (chunk: Buffer) => chunks.push(chunk));
      r.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toBe('image/png');
    expect(Buffer.compare(download.body as Buffer, PNG)).toBe(0);
    const verified = await ctx.request().get(`/api/entities/${entity.id}/verify`).set(supervisor.auth);
    expect(verified.body.ok).toBe(true);
    await expect(ctx.db('attachments').where({ id: res.body.id }).delete()).rejects.toThrow(/append-only/);
    await ctx.db.transaction(async (tx) => {
      await tx.raw('set local session_replication_role = replica');
      await tx('attachments').where({ id: res.body.id }).update({ data: Buffer.concat([PNG, Buffer.from('edited')]) });
    });
    const tampered = await ctx.request().get(`/api/entities/${entity.id}/verify`).set(supervisor.auth);
    expect(tampered.body).toMatchObject({ ok: false, firstBad: { id: entry.id, number: entry.number, attachmentId: res.body.id } });
    const other = await stationWithStaff(ctx);
    expect((await ctx.request().get(`/api/entities/${entity.id}/entries/${entry.id}/attachments/${res.body.id}`).set(other.treasurer.auth)).status).toBe(404);
  });

  it('refuses a file whose content is not JPEG, PNG or PDF, an oversized one and a missing one, each a 400 naming the file', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const entry = await receive(ctx, treasurer, entity.id, '20.00');
    const url = `/api/entities/${entity.id}/entries/${entry.id}/attachments`;
    const answer = (response: { status: number; body: { code: string; errors: { path: string }[] } }) => [response.status, response.body.code, response.body.errors.map((error) => error.path)];
    const fake = await ctx.request().post(url).set(treasurer.auth).attach('file', Buffer.from('<script>alert(1)</script>'), 'photo.jpg');
    expect(answer(fake)).toEqual([400, 'unsupported_media_type', ['file']]);
    expect(fake.body.detail).toMatch(/JPEG, PNG or PDF/);
    const big = await ctx.request().post(url).set(treasurer.auth).attach('file', Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024)]), 'big.png');
    expect(answer(big)).toEqual([400, 'file_too_large', ['file']]);
    expect(big.body.detail).toMatch(/5 MB/);
    const none = await ctx.request().post(url).set(treasurer.auth).field('note', 'x');
    expect(answer(none)).toEqual([400, 'invalid_request', ['file']]);
    const listed = await ctx.request().get(`/api/entities/${entity.id}/entries/${entry.id}`).set(treasurer.auth);
    expect(listed.body.attachments).toEqual([]);
    const anonymous = await ctx.request().post(url).attach('file', PNG, 'a.png');
    expect(anonymous.status).toBe(401);
  });
});

describe('POST /api/entities/:entityId/reconciliations', () => {
  it('records counted cash and the bank statement with the book balances at that date and the differences', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    await receive(ctx, treasurer, entity.id, '300.00', { date: '2026-03-01' });
    await receive(ctx, treasurer, entity.id, '1000.00', { date: '2026-03-02', method: 'bank' });
    await receive(ctx, treasurer, entity.id, '50.00', { date: '2026-04-02' });
    const res = await ctx.request().post(`/api/entities/${entity.id}/reconciliations`).set(treasurer.auth)
      .send({ date: '2026-03-31', cashCounted: '299.50', bankStatementBalance: '1000.00', note: '找零误差' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ cashBook: '300.00', bankBook: '1000.00', cashDifference: '-0.50', bankDifference: '0.00', note: '找零误差' });
    const list = await ctx.request().get(`/api/entities/${entity.id}/reconciliations`).set(treasurer.auth);
    expect(list.body.items).toHaveLength(1);
  });

  it('takes an Idempotency-Key: the same count sent again is the same record, another body under the key a 409', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const send = (body: object) => ctx.request().post(`/api/entities/${entity.id}/reconciliations`).set(treasurer.auth).set('Idempotency-Key', 'count-2026-03-31').send(body);
    const body = { date: '2026-03-31', cashCounted: '0.00', bankStatementBalance: '0.00' };
    const [first, second] = await Promise.all([send(body), send(body)]);
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body.id).toBe(first.body.id);
    expect((await send({ ...body, cashCounted: '1.00' })).status).toBe(409);
    expect((await ctx.request().get(`/api/entities/${entity.id}/reconciliations`).set(treasurer.auth)).body.items).toHaveLength(1);
  });

  it('refuses a count dated in a closed month (409): it would change that month\'s published 对账', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    await receive(ctx, treasurer, entity.id, '300.00', { date: '2026-03-01' });
    await ctx.request().post(`/api/entities/${entity.id}/periods/2026-03/close`).set(treasurer.auth).expect(200);
    const count = (date: string) => ctx.request().post(`/api/entities/${entity.id}/reconciliations`).set(treasurer.auth).send({ date, cashCounted: '300.00', bankStatementBalance: '0.00' });
    const closed = await count('2026-03-31');
    expect(closed.status).toBe(409);
    expect(closed.body).toMatchObject({ code: 'period_closed', errors: [{ path: 'body.date', message: 'in a closed period' }] });
    expect((await count('2026-04-01')).body).toMatchObject({ cashBook: '300.00', cashDifference: '0.00' });
    expect((await ctx.request().get(`/api/entities/${entity.id}/reconciliations`).set(treasurer.auth)).body.items).toHaveLength(1);
    // The database keeps the rule for a writer that skips the service.
    await expect(
      ctx.db('reconciliations').insert({ entity_id: entity.id, date: '2026-03-15', cash_counted: '1.00', bank_statement_balance: '0.00', cash_book: '0.00', bank_book: '0.00', created_by: treasurer.id }),
    ).rejects.toMatchObject({ hint: 'period_closed' });
  });
});

describe('GET /api/entities/:entityId/entries', () => {
  it('finds by a header account the entries of its sub-accounts, as its statement counts them', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const bank = await ctx.request().post(`/api/entities/${entity.id}/accounts`).set(treasurer.auth).send({ code: '100201', name: '工商银行', parentCode: '1002' });
    expect(bank.status).toBe(201);
    await receive(ctx, treasurer, entity.id, '10.00', { date: '2026-06-19' });
    const deposit = await receive(ctx, treasurer, entity.id, '30.00', { date: '2026-06-20', method: 'bank' });
    expect(deposit.lines[0].accountCode).toBe('100201');
    for (const code of ['1002', '100201']) {
      const found = await ctx.request().get(`/api/entities/${entity.id}/entries?accountCode=${code}`).set(treasurer.auth);
      expect(found.body.items.map((item: { id: string }) => item.id)).toEqual([deposit.id]);
    }
  });

  it('filters by date, account, fund and status, and pages with a cursor', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx, { approvalThreshold: '100.00' });
    await ctx.request().post(`/api/entities/${entity.id}/funds`).set(treasurer.auth).send({ code: 'R1', name: '定向', restricted: true }).expect(201);
    for (let day = 1; day <= 7; day += 1) await receive(ctx, treasurer, entity.id, '100.00', { date: `2026-06-0${day}` });
    await receive(ctx, treasurer, entity.id, '40.00', { date: '2026-06-08', kind: 'donation', method: 'bank', fundCode: 'R1' });
    const pending = await ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth)
      .send({ date: '2026-06-09', amount: '150.00', method: 'cash', payee: 'X', purpose: 'p', category: 'program' });
    expect(pending.body.status).toBe('pending_approval');

    const page1 = await ctx.request().get(`/api/entities/${entity.id}/entries?limit=3`).set(treasurer.auth);
    expect(page1.body.items.map((item: { date: string }) => item.date)).toEqual(['2026-06-01', '2026-06-02', '2026-06-03']);
    const page2 = await ctx.request().get(`/api/entities/${entity.id}/entries?limit=3&cursor=${page1.body.nextCursor}`).set(treasurer.auth);
    expect(page2.body.items.map((item: { date: string }) => item.date)).toEqual(['2026-06-04', '2026-06-05', '2026-06-06']);
    const rest = await ctx.request().get(`/api/entities/${entity.id}/entries?limit=500&cursor=${page2.body.nextCursor}`).set(treasurer.auth);
    expect(rest.body.items).toHaveLength(3);
    expect(rest.body.nextCursor).toBeNull();

    const ranged = await ctx.request().get(`/api/entities/${entity.id}/entries?from=2026-06-03&to=2026-06-04`).set(treasurer.auth);
    expect(ranged.body.items).toHaveLength(2);
    const byFund = await ctx.request().get(`/api/entities/${entity.id}/entries?fundCode=R1`).set(treasurer.auth);
    expect(byFund.body.items.map((item: { date: string }) => item.date)).toEqual(['2026-06-08']);
    const byAccount = await ctx.request().get(`/api/entities/${entity.id}/entries?accountCode=5101`).set(treasurer.auth);
    expect(byAccount.body.items.map((item: { status: string }) => item.status)).toEqual(['pending_approval']);
    const posted = await ctx.request().get(`/api/entities/${entity.id}/entries?status=posted&limit=500`).set(treasurer.auth);
    expect(posted.body.items).toHaveLength(8);
    expect((await ctx.request().get(`/api/entities/${entity.id}/entries?limit=501`).set(treasurer.auth)).status).toBe(400);
    expect((await ctx.request().get(`/api/entities/${entity.id}/entries?cursor=garbage`).set(treasurer.auth)).status).toBe(400);
  });
});
