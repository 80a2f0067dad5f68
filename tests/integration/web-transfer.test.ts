import * as ledger from '../../src/ledger/service';
import { useTestContext } from '../support/context';
import { fixedClock } from '../../src/shared/clock';
import { admin, receive } from '../factories';
import { csrfOf, formToken, treasurerAgent } from './web-support';

/** What a field's red text says: the <p class="field-error"> under the named field. */
function fieldError(html: string, field: string): string | null {
  const match = new RegExp(`<p class="field-error" id="f-${field}-error">([^<]*)</p>`).exec(html);
  return match ? match[1] : null;
}

interface Line {
  accountCode: string;
  fundCode: string;
  debit: string | null;
  credit: string | null;
}

describe('the 存取现金 form (cash to and from the bank)', () => {
  const ctx = useTestContext({ clock: fixedClock('2026-03-15T10:00:00+08:00') });

  async function entriesOf(entityId: string, auth: { Authorization: string }) {
    return (await ctx.request().get(`/api/entities/${entityId}/entries`).set(auth).expect(200)).body.items;
  }

  async function balancesOf(entityId: string, auth: { Authorization: string }): Promise<Record<string, string>> {
    const trial = (await ctx.request().get(`/api/entities/${entityId}/trial-balance?asOf=2026-03-15`).set(auth).expect(200)).body;
    expect(trial.totals.debit).toBe(trial.totals.credit);
    return Object.fromEntries(trial.rows.map((row: { accountCode: string; balance: string }) => [row.accountCode, row.balance]));
  }

  /** The accounts whose balance differs between two trial balances, with both balances. */
  function changed(before: Record<string, string>, after: Record<string, string>) {
    const codes = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return Object.fromEntries(codes.filter((code) => (before[code] ?? '0.00') !== (after[code] ?? '0.00')).map((code) => [code, [before[code] ?? '0.00', after[code] ?? '0.00']]));
  }

  it('is linked from the workspace, defaults the date to today and asks which way', async () => {
    const { agent, base } = await treasurerAgent(ctx);
    const home = await agent.get(base).expect(200);
    expect(home.text).toContain(`href="${base}/transfer"`);
    expect(home.text).toContain('存取现金');
    const form = await agent.get(`${base}/transfer`).expect(200);
    expect(form.text).toContain('<h1>存取现金</h1>');
    expect(form.text).toContain('name="date" type="date" value="2026-03-15"');
    expect(form.text).toContain('<span>现金存入银行</span>');
    expect(form.text).toContain('<span>从银行取现金</span>');
    expect(form.text).not.toMatch(/name="direction" value="\w+" checked/);
    // One fund only: nothing to choose.
    expect(form.text).not.toContain('name="fundCode"');
  });

  it('saves a 存现 typed as ¥1,234.5 on 2026/3/5: bank up, cash down, nothing else moves, and the notice names amount and voucher', async () => {
    const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
    await receive(ctx, treasurer, entity.id, '2000.00', { date: '2026-03-02' });
    const before = await balancesOf(entity.id, treasurer.auth);
    const token = await formToken(agent, `${base}/transfer`);
    const response = await agent.post(`${base}/transfer`).type('form').send({ _csrf: token, direction: 'deposit', amount: '¥1,234.5', date: '2026/3/5', memo: '' }).expect(303);
    expect(response.headers.location).toMatch(new RegExp(`^${base}\\?ok=deposit&`));
    const entry = (await entriesOf(entity.id, treasurer.auth)).find((item: { memo: string }) => item.memo === '现金存入银行');
    expect(entry).toMatchObject({ date: '2026-03-05', status: 'posted' });
    expect(entry.lines.map((line: Line) => [line.accountCode, line.fundCode, line.debit, line.credit])).toEqual([
      ['1002', 'GENERAL', '1234.50', null],
      ['1001', 'GENERAL', null, '1234.50'],
    ]);
    const home = await agent.get(response.headers.location).expect(200);
    expect(home.text).toContain(`现金存入银行 ¥1,234.50 已记好，凭证号 ${entry.number}，可写在银行回单上。`);
    expect(changed(before, await balancesOf(entity.id, treasurer.auth))).toEqual({ '1001': ['2000.00', '765.50'], '1002': ['0.00', '1234.50'] });
  });

  it('saves a 取现 typed in full-width digits with its own memo', async () => {
    const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
    await receive(ctx, treasurer, entity.id, '3000.00', { date: '2026-03-02', method: 'bank' });
    const before = await balancesOf(entity.id, treasurer.auth);
    const token = await formToken(agent, `${base}/transfer`);
    const response = await agent.post(`${base}/transfer`).type('form').send({ _csrf: token, direction: 'withdrawal', amount: '５００元', date: '2026年3月6日', memo: '取备用金买菜' }).expect(303);
    expect(response.headers.location).toContain('ok=withdrawal&amt=500.00');
    const entry = (await entriesOf(entity.id, treasurer.auth)).find((item: { memo: string }) => item.memo === '取备用金买菜');
    expect(entry.date).toBe('2026-03-06');
    expect(entry.lines.map((line: Line) => [line.accountCode, line.debit, line.credit])).toEqual([
      ['1001', '500.00', null],
      ['1002', null, '500.00'],
    ]);
    expect((await agent.get(response.headers.location).expect(200)).text).toContain(`从银行取现金 ¥500.00 已记好，凭证号 ${entry.number}，可写在银行回单上。`);
    expect(changed(before, await balancesOf(entity.id, treasurer.auth))).toEqual({ '1001': ['0.00', '500.00'], '1002': ['3000.00', '2500.00'] });
  });

  it('shows both on the entries list as moves of money, neither income nor spending', async () => {
    const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
    await receive(ctx, treasurer, entity.id, '1000.00', { date: '2026-03-02' });
    const token = await formToken(agent, `${base}/transfer`);
    await agent.post(`${base}/transfer`).type('form').send({ _csrf: token, direction: 'deposit', amount: '800', date: '2026-03-05' }).expect(303);
    await agent.post(`${base}/transfer`).type('form').send({ _csrf: token, direction: 'withdrawal', amount: '150', date: '2026-03-06' }).expect(303);
    const list = (await agent.get(`${base}/entries`).expect(200)).text;
    expect(list).toContain('存现：现金存入银行（不算收入或支出）');
    expect(list).toContain('取现：从银行取现金（不算收入或支出）');
    expect(list).toContain('<span class="entry-amount none">¥800.00</span>');
    expect(list).toContain('<span class="entry-amount none">¥150.00</span>');
    expect(list).toContain('<span class="entry-amount in">＋¥1,000.00</span>');
  });

  it('posts a double-tapped or reloaded form once (the form key is the idempotency key)', async () => {
    const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
    await receive(ctx, treasurer, entity.id, '1000.00', { date: '2026-03-02' });
    const page = await agent.get(`${base}/transfer`).expect(200);
    const formKey = /name="formKey" value="([0-9a-f]{32})"/.exec(page.text)?.[1];
    expect(formKey).toBeDefined();
    const form = { _csrf: csrfOf(page.text), formKey, direction: 'deposit', amount: '300', date: '2026-03-05' };
    const first = await agent.post(`${base}/transfer`).type('form').send(form).expect(303);
    const again = await agent.post(`${base}/transfer`).type('form').send(form).expect(303);
    expect(again.headers.location).toBe(first.headers.location);
    expect(await entriesOf(entity.id, treasurer.auth)).toHaveLength(2);
    expect((await balancesOf(entity.id, treasurer.auth))['1002']).toBe('300.00');
  });

  it('says at the amount how much cash there was when there is not enough, keeps the form and records nothing', async () => {
    const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
    await receive(ctx, treasurer, entity.id, '200.00', { date: '2026-03-02' });
    const token = await formToken(agent, `${base}/transfer`);
    const response = await agent.post(`${base}/transfer`).type('form').send({ _csrf: token, direction: 'deposit', amount: '¥1,500', date: '2026-03-05', memo: '存停车费' }).expect(422);
    const shortfall = '按2026年3月5日及以后的账，现金最少时只有 ¥200.00';
    expect(response.text).toContain(`${shortfall}，不够这次存入银行。请核对金额和日期。`);
    expect(fieldError(response.text, 'amount')).toBe(`${shortfall}，请减少金额或改一下日期。`);
    expect(response.text).toContain('value="¥1,500"');
    expect(response.text).toContain('value="存停车费"');
    expect(response.text).toMatch(/name="direction" value="deposit" checked/);
    expect(await entriesOf(entity.id, treasurer.auth)).toHaveLength(1);

    const bank = await agent.post(`${base}/transfer`).type('form').send({ _csrf: token, direction: 'withdrawal', amount: '50', date: '2026-03-05' }).expect(422);
    expect(fieldError(bank.text, 'amount')).toBe('按2026年3月5日及以后的账，银行存款最少时只有 ¥0.00，请减少金额或改一下日期。');
    expect(bank.text).toContain('不够这次取现。');
  });

  it('says at the date that its month is closed', async () => {
    const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
    await receive(ctx, treasurer, entity.id, '500.00', { date: '2026-02-02' });
    await ctx.request().post(`/api/entities/${entity.id}/periods/2026-02/close`).set(treasurer.auth).expect(200);
    const token = await formToken(agent, `${base}/transfer`);
    const response = await agent.post(`${base}/transfer`).type('form').send({ _csrf: token, direction: 'deposit', amount: '100', date: '2026-02-20' }).expect(409);
    expect(fieldError(response.text, 'date')).toBe('2026年2月已结账，请改为还没结账的月份里的日期。');
    expect(response.text).toContain('value="2026-02-20"');
    expect(await entriesOf(entity.id, treasurer.auth)).toHaveLength(1);
  });

  it('asks for the way, a positive amount and a date not after today, writing nothing', async () => {
    const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
    const token = await formToken(agent, `${base}/transfer`);
    const missing = await agent.post(`${base}/transfer`).type('form').send({ _csrf: token, amount: '0', date: '2026-03-05' }).expect(400);
    expect(fieldError(missing.text, 'direction')).toBe('请选择是现金存入银行，还是从银行取现金。');
    expect(fieldError(missing.text, 'amount')).toContain('请填写大于零的金额');
    const future = await agent.post(`${base}/transfer`).type('form').send({ _csrf: token, direction: 'deposit', amount: '10', date: '2026-03-16' }).expect(400);
    expect(fieldError(future.text, 'date')).toBe('日期不能晚于今天（2026年3月15日），请填今天或以前的日期。');
    expect(await entriesOf(entity.id, treasurer.auth)).toEqual([]);
  });

  it('waits for 监委会 approval above the threshold and says so', async () => {
    const { agent, base, entity, treasurer } = await treasurerAgent(ctx, { approvalThreshold: '100.00' });
    await receive(ctx, treasurer, entity.id, '1000.00', { date: '2026-03-02' });
    const token = await formToken(agent, `${base}/transfer`);
    const response = await agent.post(`${base}/transfer`).type('form').send({ _csrf: token, direction: 'deposit', amount: '300', date: '2026-03-05' }).expect(303);
    expect(response.headers.location).toContain('ok=deposit_pending');
    expect((await agent.get(response.headers.location).expect(200)).text).toContain('现金存入银行 ¥300.00 已记好，金额超过审批额度，正在等待监委会审批（审批通过后才有凭证号）。');
    const pending = (await entriesOf(entity.id, treasurer.auth)).find((entry: { status: string }) => entry.status === 'pending_approval');
    expect(pending.memo).toBe('现金存入银行');
    expect((await balancesOf(entity.id, treasurer.auth))['1002'] ?? '0.00').toBe('0.00');
    // Below the threshold it is posted at once.
    const small = await agent.post(`${base}/transfer`).type('form').send({ _csrf: token, direction: 'deposit', amount: '80', date: '2026-03-05' }).expect(303);
    expect(small.headers.location).toMatch(/ok=deposit&amt=80\.00&no=/);
    // A notice is only words: a forged amount is not shown, nor a key that is no notice of ours.
    expect((await agent.get(`${base}?ok=deposit&amt=<b>1</b>`).expect(200)).text).toContain('现金存入银行已记好。');
    expect((await agent.get(`${base}?ok=constructor_pending&amt=1`).expect(200)).text).not.toContain('class="flash');
  });

  it('keeps the money in its fund, offering restricted funds by name', async () => {
    const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
    await ledger.createFund(ctx.db, (await admin(ctx)).actor, entity.id, { code: 'LIGHTS', name: '路灯维修专项捐赠', restricted: true });
    await receive(ctx, treasurer, entity.id, '600.00', { date: '2026-03-02', kind: 'donation', fundCode: 'LIGHTS' });
    const form = await agent.get(`${base}/transfer`).expect(200);
    expect(form.text).toContain('<option value="LIGHTS">路灯维修专项捐赠（限定用途）</option>');
    expect(form.text).toMatch(/<option value="GENERAL" selected>/);
    await agent.post(`${base}/transfer`).type('form').send({ _csrf: csrfOf(form.text), direction: 'deposit', amount: '600', date: '2026-03-05', fundCode: 'LIGHTS' }).expect(303);
    const entry = (await entriesOf(entity.id, treasurer.auth)).find((item: { memo: string }) => item.memo === '现金存入银行');
    expect(entry.lines.map((line: Line) => line.fundCode)).toEqual(['LIGHTS', 'LIGHTS']);
  });

  it('posts to the sub-account that took over the bank role', async () => {
    const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
    await ctx.request().post(`/api/entities/${entity.id}/accounts`).set(treasurer.auth).send({ code: '100201', name: '工商银行', parentCode: '1002' }).expect(201);
    await receive(ctx, treasurer, entity.id, '400.00', { date: '2026-03-02' });
    const token = await formToken(agent, `${base}/transfer`);
    await agent.post(`${base}/transfer`).type('form').send({ _csrf: token, direction: 'deposit', amount: '400', date: '2026-03-05' }).expect(303);
    const entry = (await entriesOf(entity.id, treasurer.auth)).find((item: { memo: string }) => item.memo === '现金存入银行');
    expect(entry.lines.map((line: Line) => line.accountCode)).toEqual(['100201', '1001']);
    expect((await agent.get(`${base}/entries`).expect(200)).text).toContain('存现：现金存入银行（不算收入或支出）');
  });

  it('is neither income nor spending in the published report', async () => {
    const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
    await receive(ctx, treasurer, entity.id, '1000.00', { date: '2026-03-02' });
    const token = await formToken(agent, `${base}/transfer`);
    await agent.post(`${base}/transfer`).type('form').send({ _csrf: token, direction: 'deposit', amount: '700', date: '2026-03-05' }).expect(303);
    await agent.post(`${base}/transfer`).type('form').send({ _csrf: token, direction: 'withdrawal', amount: '120', date: '2026-03-06' }).expect(303);
    await ctx.request().post(`/api/entities/${entity.id}/periods/2026-03/close`).set(treasurer.auth).expect(200);
    const published = await ctx.request().post(`/api/entities/${entity.id}/disclosures`).set(treasurer.auth).send({ period: '2026-03' }).expect(201);
    const report = (await ctx.request().get(`/api/public/disclosures/${published.body.id}`).expect(200)).body;
    expect(report.summary).toMatchObject({ openingBalance: '0.00', income: '1000.00', expense: '0.00', closingBalance: '1000.00' });
    expect(report.summary.otherMovements).toMatchObject({ total: '0.00', rows: [] });
    expect(report.summary.monetaryAccounts.map((row: { accountCode: string; closing: string }) => [row.accountCode, row.closing])).toEqual(
      expect.arrayContaining([
        ['1001', '420.00'],
        ['1002', '580.00'],
      ]),
    );
    const moves = report.entries.rows.filter((row: { memo: string }) => row.memo !== '停车场公共收益');
    expect(moves.map((row: { memo: string; income: string | null; expense: string | null }) => [row.memo, row.income, row.expense])).toEqual([
      ['现金存入银行', null, null],
      ['从银行取现金', null, null],
    ]);
    expect(report.entries.total).toEqual({ income: '1000.00', expense: '0.00' });
    // Residents see why the row has no figure.
    const page = (await ctx.request().get(`/reports/${published.body.id}`).expect(200)).text;
    expect(page.match(/资金在账户之间转移（如现金存入银行），不计入收支/g)).toHaveLength(2);
  });
});
