import crypto from 'node:crypto';
import * as ledger from '../../src/ledger/service';
import type { Actor } from '../../src/auth/actor';
import { useTestContext } from '../support/context';
import { fixedClock } from '../../src/shared/clock';
import { admin, createUser, foundationWithStaff, receive, stationWithStaff } from '../factories';
import { csrfOf, formToken, treasurerAgent, webLogin } from './web-support';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

/** What a field's red text says: the <p class="field-error"> under the named field. */
function fieldError(html: string, field: string): string | null {
  const match = new RegExp(`<p class="field-error" id="f-${field}-error">([^<]*)</p>`).exec(html);
  return match ? match[1] : null;
}

describe('treasurer forms say what is wrong where it is wrong', () => {
  const ctx = useTestContext({ clock: fixedClock('2026-03-15T10:00:00+08:00') });

  function pay(agent: ReturnType<typeof ctx.request>, base: string, token: string, fields: Record<string, string>) {
    let request = agent.post(`${base}/payment`).field('_csrf', token);
    const all = { payee: '李师傅', purpose: '买菜', category: 'program', method: 'cash', ...fields };
    for (const [name, value] of Object.entries(all)) request = request.field(name, value);
    return request;
  }

  describe('dates (M4, M3)', () => {
    it('says next to the date that its month is closed, not that a date is missing', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      await ctx.request().post(`/api/entities/${entity.id}/periods/2026-02/close`).set(treasurer.auth).expect(200);
      const receiptToken = await formToken(agent, `${base}/receipt`);
      const receipt = await agent.post(`${base}/receipt`).type('form').send({ _csrf: receiptToken, kind: 'recycling', method: 'cash', amount: '35', date: '2026-02-20' }).expect(409);
      expect(fieldError(receipt.text, 'date')).toBe('2026年2月已结账，请改为还没结账的月份里的日期。');

      const countToken = await formToken(agent, `${base}/reconcile`);
      const count = await agent.post(`${base}/reconcile`).type('form').send({ _csrf: countToken, date: '2026-02-27', cashCounted: '0', bankStatementBalance: '0' }).expect(409);
      expect(fieldError(count.text, 'date')).toBe('2026年2月已结账，请改为还没结账的月份里的日期。');
    });

    it('says next to the date that a reversal may not come before its entry, and offers a valid date', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      const receipt = await receive(ctx, treasurer, entity.id, '150.00', { date: '2026-03-10' });
      const form = await agent.get(`${base}/entries/${receipt.id}/reverse`).expect(200);
      expect(form.text).toContain('name="date" type="date" value="2026-03-15"');
      const response = await agent.post(`${base}/entries/${receipt.id}/reverse`).type('form').send({ _csrf: csrfOf(form.text), reason: '记错了', date: '2026-03-09' }).expect(422);
      expect(fieldError(response.text, 'date')).toBe('冲销日期不能早于原来那笔账的日期（2026年3月10日），请填这一天或以后的日期。');
    });

    it('defaults the reversal of an entry dated after today to that entry’s own day', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      const ahead = await receive(ctx, treasurer, entity.id, '150.00', { date: '2026-03-20' });
      const form = await agent.get(`${base}/entries/${ahead.id}/reverse`).expect(200);
      expect(form.text).toContain('name="date" type="date" value="2026-03-20"');
      await agent.post(`${base}/entries/${ahead.id}/reverse`).type('form').send({ _csrf: csrfOf(form.text), reason: '日期记错', date: '2026-03-20' }).expect(303);
    });

    it('refuses a date after today in the receipt, payment and count forms, and records nothing', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      await receive(ctx, treasurer, entity.id, '500.00', { date: '2026-03-01' });
      const expected = '日期不能晚于今天（2026年3月15日），请填今天或以前的日期。';
      const receiptToken = await formToken(agent, `${base}/receipt`);
      const receipt = await agent.post(`${base}/receipt`).type('form').send({ _csrf: receiptToken, kind: 'parking', method: 'cash', amount: '35', date: '2026-03-16' }).expect(400);
      expect(fieldError(receipt.text, 'date')).toBe(expected);
      const payment = await pay(agent, base, await formToken(agent, `${base}/payment`), { amount: '20', date: '2026/12/25' }).expect(400);
      expect(fieldError(payment.text, 'date')).toBe(expected);
      const count = await agent.post(`${base}/reconcile`).type('form').send({ _csrf: await formToken(agent, `${base}/reconcile`), date: '2026-04-01', cashCounted: '500', bankStatementBalance: '0' }).expect(400);
      expect(fieldError(count.text, 'date')).toBe(expected);
      const entries = (await ctx.request().get(`/api/entities/${entity.id}/entries`).set(treasurer.auth).expect(200)).body.items;
      expect(entries).toHaveLength(1);
      expect((await ledger.listReconciliations(ctx.db, treasurer.actor, entity.id)).items).toEqual([]);
    });
  });

  describe('not enough money (M5, L7)', () => {
    it('names the lowest cash balance from the payment’s date on, with separators, on top and at the amount', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      await receive(ctx, treasurer, entity.id, '5000.00', { date: '2026-03-01' });
      await ledger.recordPayment(ctx.db, treasurer.actor, entity.id, { amount: '3000.00', payee: '物业', purpose: '场地', category: 'program', method: 'cash', date: '2026-03-12' });
      const response = await pay(agent, base, await formToken(agent, `${base}/payment`), { amount: '2,500', date: '2026-03-05' }).expect(422);
      const sentence = '按2026年3月5日及以后的账，现金最少时只有 ¥2,000.00';
      expect(response.text).toContain(`${sentence}，不够这笔支出。`);
      expect(fieldError(response.text, 'amount')).toBe(`${sentence}，请减少金额或改一下日期。`);
    });

    it('names a restricted fund by its Chinese name, not its code', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      await ledger.createFund(ctx.db, (await admin(ctx)).actor, entity.id, { code: 'LIGHTS', name: '路灯维修专项捐赠', restricted: true });
      await receive(ctx, treasurer, entity.id, '1470.00', { date: '2026-03-01', fundCode: 'LIGHTS', kind: 'donation' });
      await receive(ctx, treasurer, entity.id, '9000.00', { date: '2026-03-01' });
      const response = await pay(agent, base, await formToken(agent, `${base}/payment`), { amount: '1500', date: '2026-03-10', fundCode: 'LIGHTS' }).expect(422);
      expect(response.text).toContain('按2026年3月10日及以后的账，限定性资金“路灯维修专项捐赠”最少时只剩 ¥1,470.00');
      expect(response.text).not.toContain('基金 LIGHTS');
    });

    it('tells the supervisor approving a payment the balance on its date, with separators', async () => {
      const { agent, base, entity, treasurer, supervisor } = await treasurerAgent(ctx, { approvalThreshold: '100.00' });
      await receive(ctx, treasurer, entity.id, '1200.00', { date: '2026-03-02', method: 'bank' });
      await pay(agent, base, await formToken(agent, `${base}/payment`), { amount: '1000', method: 'bank', date: '2026-03-10' }).expect(303);
      const pending = (await ledger.listEntries(ctx.db, treasurer.actor, entity.id, { status: 'pending_approval', limit: 10 })).items[0];
      await ledger.recordPayment(ctx.db, treasurer.actor, entity.id, { amount: '50.00', payee: '物业', purpose: '水费', category: 'admin', method: 'bank', date: '2026-03-11' });
      await ledger.recordPayment(ctx.db, treasurer.actor, entity.id, { amount: '60.00', payee: '物业', purpose: '电费', category: 'admin', method: 'bank', date: '2026-03-11' });
      await ledger.recordPayment(ctx.db, treasurer.actor, entity.id, { amount: '90.00', payee: '物业', purpose: '网费', category: 'admin', method: 'bank', date: '2026-03-11' });
      await ledger.recordPayment(ctx.db, treasurer.actor, entity.id, { amount: '100.00', payee: '物业', purpose: '保洁', category: 'admin', method: 'bank', date: '2026-03-12' });
      const boss = ctx.request();
      await webLogin(boss, supervisor);
      const list = await boss.get(`${base}/approvals`).expect(200);
      const refused = await boss.post(`${base}/entries/${pending.id}/approve`).type('form').send({ _csrf: csrfOf(list.text) }).expect(422);
      expect(refused.text).toContain('按2026年3月10日及以后的账，银行存款最少时只有 ¥900.00，不够这笔支出。');
    });
  });

  describe('reconciliation (D5)', () => {
    it('asks for the reason when the count differs from the books, and saves once it is given', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      await receive(ctx, treasurer, entity.id, '1200.00', { date: '2026-03-05' });
      const token = await formToken(agent, `${base}/reconcile`);
      const unexplained = await agent.post(`${base}/reconcile`).type('form').send({ _csrf: token, date: '2026-03-15', cashCounted: '1,150', bankStatementBalance: '0' }).expect(400);
      expect(fieldError(unexplained.text, 'note')).toBe('现金实有 ¥1,150.00，账上 ¥1,200.00。和账上不一致，请写明原因后再保存。');
      expect(unexplained.text).toContain('value="1,150"');
      expect((await ledger.listReconciliations(ctx.db, treasurer.actor, entity.id)).items).toEqual([]);

      await agent.post(`${base}/reconcile`).type('form').send({ _csrf: token, date: '2026-03-15', cashCounted: '1200', bankStatementBalance: '0' }).expect(303);
      const explained = await agent.post(`${base}/reconcile`).type('form').send({ _csrf: token, date: '2026-03-15', cashCounted: '1,150', bankStatementBalance: '0', note: '找零少收 50 元' }).expect(303);
      expect((await agent.get(explained.headers.location).expect(200)).text).toContain('账实不符');
      const saved = (await ledger.listReconciliations(ctx.db, treasurer.actor, entity.id)).items;
      expect(saved.map((row) => row.note)).toEqual([null, '找零少收 50 元']);
    });
  });

  describe('reconciliation sent twice', () => {
    it('saves a count once when the same form is sent again (reload after saving, double tap), and shows the result after a redirect', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      await receive(ctx, treasurer, entity.id, '1200.00', { date: '2026-03-05' });
      const page = await agent.get(`${base}/reconcile`).expect(200);
      const formKey = /name="formKey" value="([0-9a-f]{32})"/.exec(page.text)?.[1];
      expect(formKey).toBeDefined();
      const form = { _csrf: csrfOf(page.text), formKey, date: '2026-03-15', cashCounted: '1200', bankStatementBalance: '0' };
      const [first, second] = await Promise.all([agent.post(`${base}/reconcile`).type('form').send(form), agent.post(`${base}/reconcile`).type('form').send(form)]);
      const third = await agent.post(`${base}/reconcile`).type('form').send(form);
      expect([first.status, second.status, third.status]).toEqual([303, 303, 303]);
      expect(new Set([first.headers.location, second.headers.location, third.headers.location]).size).toBe(1);
      expect((await agent.get(first.headers.location).expect(200)).text).toContain('账实相符');
      expect((await ledger.listReconciliations(ctx.db, treasurer.actor, entity.id)).items).toHaveLength(1);
      // A new visit to the form is a new count.
      const again = await agent.get(`${base}/reconcile`).expect(200);
      expect(again.text).not.toContain(`value="${formKey}"`);
    });
  });

  describe('a saved form sent again with changed values (Back, edit, send)', () => {
    it('says the first was saved and gives the page a new key, so the next send is judged afresh', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      const formKey = 'a'.repeat(32);
      const form = { _csrf: await formToken(agent, `${base}/receipt`), kind: 'parking', method: 'cash', date: '2026-03-05', formKey };
      await agent.post(`${base}/receipt`).type('form').send({ ...form, amount: '100' }).expect(303);
      const changed = await agent.post(`${base}/receipt`).type('form').send({ ...form, amount: '120' }).expect(409);
      expect(changed.text).toContain('这张表刚才已经保存过了');
      const renewed = /name="formKey" value="([0-9a-f]{32})"/.exec(changed.text)?.[1];
      expect(renewed).toBeDefined();
      expect(renewed).not.toBe(formKey);
      expect(changed.text).toContain('value="120"');
      await agent.post(`${base}/receipt`).type('form').send({ ...form, formKey: renewed, amount: '120' }).expect(303);
      const amounts = (await ledger.listEntries(ctx.db, treasurer.actor, entity.id, { limit: 10 })).items.map((entry) => entry.lines[0].debit);
      expect(amounts.sort()).toEqual(['100.00', '120.00']);
    });
  });

  describe('a date typed another way', () => {
    it('comes back as the date picker reads it when the form returns for another field', async () => {
      const { agent, base } = await treasurerAgent(ctx);
      const form = { _csrf: await formToken(agent, `${base}/receipt`), kind: 'parking', method: 'cash', amount: '一百' };
      for (const typed of ['2026/3/5', '2026年3月5日']) {
        const page = await agent.post(`${base}/receipt`).type('form').send({ ...form, date: typed }).expect(400);
        expect(page.text).toContain('name="date" type="date" value="2026-03-05"');
      }
      const nonsense = await agent.post(`${base}/receipt`).type('form').send({ ...form, date: '下周三' }).expect(400);
      expect(nonsense.text).toContain('value="下周三"');
    });
  });

  describe('large amounts are read back before they are saved', () => {
    const entriesOf = async (entity: { id: string }, treasurer: { actor: Actor }) =>
      (await ledger.listEntries(ctx.db, treasurer.actor, entity.id, { limit: 50 })).items;

    it('asks to confirm a receipt of ¥10,000 or more with its 大写, for that amount only', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      const form = { _csrf: await formToken(agent, `${base}/receipt`), kind: 'parking', method: 'cash', date: '2026-03-05', formKey: 'f'.repeat(32) };
      const asked = await agent.post(`${base}/receipt`).type('form').send({ ...form, amount: '99999999999999999' }).expect(400);
      expect(asked.text).toContain('金额比较大，请再核对一遍：¥99,999,999,999,999,999.00（大写：玖亿亿玖仟玖佰玖拾玖万亿玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元整）');
      expect(fieldError(asked.text, 'confirmLarge')).toBe('请核对金额后勾选“金额无误”');
      expect(asked.text).toContain('name="confirmedAmount" value="99999999999999999.00"');
      expect(asked.text).toContain('value="99999999999999999"');
      // Ticked, but for another amount than the one now typed: asked again.
      const changed = await agent.post(`${base}/receipt`).type('form').send({ ...form, amount: '12,000', confirmLarge: '1', confirmedAmount: '99999999999999999.00' }).expect(400);
      expect(changed.text).toContain('¥12,000.00（大写：壹万贰仟元整）');
      expect(await entriesOf(entity, treasurer)).toEqual([]);
      await agent.post(`${base}/receipt`).type('form').send({ ...form, amount: '12,000', confirmLarge: '1', confirmedAmount: '12000.00' }).expect(303);
      // Below the line nothing is asked.
      await agent.post(`${base}/receipt`).type('form').send({ ...form, formKey: 'e'.repeat(32), amount: '9999.99' }).expect(303);
      expect((await entriesOf(entity, treasurer)).map((entry) => entry.lines[0].debit)).toEqual(['12000.00', '9999.99']);
    });

    it('asks the same of a payment, and the payment form names the approval threshold', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx, { approvalThreshold: '5000.00' });
      await receive(ctx, treasurer, entity.id, '20000.00', { date: '2026-03-01' });
      const page = await agent.get(`${base}/payment`).expect(200);
      expect(page.text).toContain('超过 ¥5,000.00 的支出要等监委会审批通过后才入账');
      const asked = await pay(agent, base, csrfOf(page.text), { amount: '15000', date: '2026-03-05' }).expect(400);
      expect(asked.text).toContain('¥15,000.00（大写：壹万伍仟元整）');
      expect(await entriesOf(entity, treasurer)).toHaveLength(1);
      await pay(agent, base, csrfOf(page.text), { amount: '15000', date: '2026-03-05', confirmLarge: '1', confirmedAmount: '15000.00' }).expect(303);
      expect(await entriesOf(entity, treasurer)).toHaveLength(2);
    });

    it('keeps no giver typed for a donation when the kind was changed before saving', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      const form = { _csrf: await formToken(agent, `${base}/receipt`), kind: 'parking', method: 'cash', date: '2026-03-05', amount: '50', payer: '王大妈', nameConsent: '1' };
      await agent.post(`${base}/receipt`).type('form').send(form).expect(303);
      const [entry] = await entriesOf(entity, treasurer);
      expect(JSON.stringify(entry)).not.toContain('王大妈');
    });
  });

  describe('month close (M10)', () => {
    it('preselects the latest finished open month, marks the month still running and shows each month’s totals', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      await receive(ctx, treasurer, entity.id, '1200.00', { date: '2026-01-10' });
      await ledger.recordPayment(ctx.db, treasurer.actor, entity.id, { amount: '80.00', payee: '李师傅', purpose: '买菜', category: 'program', method: 'cash', date: '2026-01-20' });
      await ctx.request().post(`/api/entities/${entity.id}/periods/2025-12/close`).set(treasurer.auth).expect(200);
      const page = (await agent.get(`${base}/close`).expect(200)).text;
      expect(page.match(/ checked>/g)).toHaveLength(1);
      expect(page).toContain('name="period" value="2026-02" checked');
      expect(page).toMatch(/value="2026-03"><span>2026年3月（本月还没过完）/);
      expect(page).toContain('本月还没过完：现在结账，这个月剩下的日子就不能再记账了');
      expect(page).toMatch(/value="2026-01"><span>2026年1月<br><small>收入 ¥1,200.00 · 支出 ¥80.00<\/small>/);

      // Closing February closes January with it; the month still running is never preselected.
      await ctx.request().post(`/api/entities/${entity.id}/periods/2026-02/close`).set(treasurer.auth).expect(200);
      const after = (await agent.get(`${base}/close`).expect(200)).text;
      expect(after).not.toContain(' checked>');
      expect(after).not.toContain('value="2026-01"');
      expect(after).not.toContain('已冻结');
      // The closed months as spans: 2025 was closed by the first close, January with February.
      expect(after).toContain('<h2>已结账的月份</h2>\n<p>2025年1月至2026年2月</p>');
    });

    it('warns that closing also closes months older than the list, with their year-end 结转', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      await receive(ctx, treasurer, entity.id, '40.00', { date: '2024-06-01' });
      const page = (await agent.get(`${base}/close`).expect(200)).text;
      expect(page).toContain('更早还有没结账的月份：2024年1月至2025年3月。结账时它们会一起结掉，并做2024年度收支结转，之后这些月份也不能再记账。');
      await ctx.request().post(`/api/entities/${entity.id}/periods/2026-02/close`).set(treasurer.auth).expect(200);
      expect((await agent.get(`${base}/close`).expect(200)).text).not.toContain('更早还有没结账的月份');
    });

    it('offers a month frozen by a later close without being closed itself (books closed before closing closed every month before it), leaving out those before the first entry except in its quarter', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      await receive(ctx, treasurer, entity.id, '300.00', { date: '2026-02-05' });
      await ctx.db('periods').insert({ entity_id: entity.id, period: '2026-02', closed_by: treasurer.id });
      const page = (await agent.get(`${base}/close`).expect(200)).text;
      // January has nothing to close, but 2026年第1季度's report needs it closed; December 2025 belongs to a quarter before the books.
      expect(page.match(/name="period" value="\d{4}-\d{2}"/g)).toEqual(['name="period" value="2026-03"', 'name="period" value="2026-01"']);
      expect(page).toContain('<summary>已冻结、还没结账的月份（1 个）</summary>');
    });

    it('preselects nothing when every finished month is closed', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      for (let month = 4; month <= 14; month += 1) {
        const period = month <= 12 ? `2025-${String(month).padStart(2, '0')}` : `2026-${String(month - 12).padStart(2, '0')}`;
        await ctx.request().post(`/api/entities/${entity.id}/periods/${period}/close`).set(treasurer.auth).expect(200);
      }
      const page = (await agent.get(`${base}/close`).expect(200)).text;
      expect(page).toContain('name="period" value="2026-03">');
      expect(page).not.toContain(' checked>');
    });
  });

  describe('approvals and the entries list (M7, M9)', () => {
    it('shows the supervisor what a pending payment is, who recorded it, and opens its receipt photo', async () => {
      const staff = await stationWithStaff(ctx, { approvalThreshold: '100.00' });
      const treasurer = await createUser(ctx, [{ role: 'treasurer', entityId: staff.entity.id }], { displayName: '出纳王阿姨' });
      const base = `/app/e/${staff.entity.code}`;
      const project = await ledger.createProject(ctx.db, treasurer.actor, staff.entity.id, { code: 'FEAST', name: '百家宴' });
      await receive(ctx, treasurer, staff.entity.id, '1000.00', { date: '2026-03-02' });
      const agent = ctx.request();
      await webLogin(agent, treasurer);
      await agent.post(`${base}/payment`).field('_csrf', await formToken(agent, `${base}/payment`)).field('amount', '300').field('payee', '某某物业公司').field('purpose', '百家宴场地')
        .field('category', 'program').field('method', 'cash').field('date', '2026-03-10').field('projectId', project.id)
        .attach('file', PNG, { filename: '收据.png', contentType: 'image/png' }).expect(303);
      const pending = (await ledger.listEntries(ctx.db, treasurer.actor, staff.entity.id, { status: 'pending_approval', limit: 10 })).items[0];
      const link = `${base}/entries/${pending.id}/attachments/${pending.attachments[0].id}`;
      const general = (await ledger.listFunds(ctx.db, treasurer.actor, staff.entity.id)).items.find((fund) => fund.code === 'GENERAL');

      const boss = ctx.request();
      await webLogin(boss, staff.supervisor);
      const card = (await boss.get(`${base}/approvals`).expect(200)).text;
      expect(card).toContain(`业务活动成本 · 现金 · 收款人 某某物业公司 · 项目 百家宴 · 资金 ${general?.name} · 记账人 出纳王阿姨`);
      expect(card).toContain(`href="${link}"`);
      const photo = await boss.get(link).expect(200);
      expect(photo.headers['content-type']).toBe('image/png');
      expect(photo.headers['content-disposition']).toMatch(/^inline;/);
      expect(Buffer.compare(photo.body as Buffer, PNG)).toBe(0);
      // A PDF is downloaded: Chromium's PDF viewer does not start in a sandboxed document.
      const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
      const scan = await ctx.request().post(`/api/entities/${staff.entity.id}/entries/${pending.id}/attachments`).set(treasurer.auth)
        .attach('file', pdf, { filename: '发票.pdf', contentType: 'application/pdf' }).expect(201);
      const download = await boss.get(`${base}/entries/${pending.id}/attachments/${scan.body.id}`).expect(200);
      expect(download.headers['content-type']).toBe('application/pdf');
      expect(download.headers['content-disposition']).toMatch(/^attachment;/);
      expect((await agent.get(`${base}/entries`).expect(200)).text).toContain(`href="${link}"`);

      const stranger = ctx.request();
      await webLogin(stranger, (await stationWithStaff(ctx)).supervisor);
      expect((await stranger.get(link).expect(404)).text).toContain('没有找到');
    });

    it('lists an older month by the month picker, with the donor, the kind and cash or bank on each row', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      await receive(ctx, treasurer, entity.id, '300.00', { date: '2026-01-05', kind: 'donation', method: 'bank', payer: '张三丰' });
      await receive(ctx, treasurer, entity.id, '35.00', { date: '2026-03-05', kind: 'recycling' });
      const recent = (await agent.get(`${base}/entries`).expect(200)).text;
      expect(recent).not.toContain('张三丰');
      expect(recent).toContain('废旧物品回收 · 现金');
      expect(recent).toContain(`href="${base}/entries?month=2026-02"`);
      expect(recent).toContain('name="month" type="month" value="2026-03"');

      const january = (await agent.get(`${base}/entries?month=2026年1月`).expect(200)).text;
      expect(january).toContain('<h1>2026年1月的账</h1>');
      expect(january).toContain('捐赠 · 银行 · 付款人 张三丰');
      expect(january).not.toContain('废旧物品回收');
      expect(january).toContain(`href="${base}/entries?month=2026-02"`);
      const march = (await agent.get(`${base}/entries?month=2026-03`).expect(200)).text;
      expect(march).not.toContain(`href="${base}/entries?month=2026-04"`);
    });

    it('shows a busy month newest first, 200 to a page, and the older ones on the next pages, none left out or shown twice', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      // 430 receipts in March, 16 a day from the 1st to the 27th.
      const days = Array.from({ length: 430 }, (_, i) => `2026-03-${String(1 + Math.floor(i / 16)).padStart(2, '0')}`);
      for (let i = 0; i < days.length; i += 10) {
        await Promise.all(days.slice(i, i + 10).map((date, j) => receive(ctx, treasurer, entity.id, `${i + j + 1}.00`, { date })));
      }
      const numbersOn = (html: string) => [...html.matchAll(/凭证号 (2026-\d{6})/g)].map((match) => match[1]);
      const olderLink = (html: string) => /<a class="button small" href="([^"]+)">更早的账 →<\/a>/.exec(html)?.[1].replace(/&amp;/g, '&');
      const first = (await agent.get(`${base}/entries?month=2026-03`).expect(200)).text;
      expect(first).toContain('这段时间的账较多，每页 200 笔。这是最新的一页');
      // Newest first: the last day's entries lead the first page.
      expect(first).toContain('2026年3月27日');
      // Entries recorded while the treasurer reads push nothing onto the next page twice.
      for (let i = 0; i < 3; i++) await receive(ctx, treasurer, entity.id, '1.00', { date: '2026-03-27' });
      const secondUrl = olderLink(first) as string;
      expect(secondUrl).toMatch(new RegExp(`^${base}/entries\\?month=2026-03&before=`));
      const second = (await agent.get(secondUrl).expect(200)).text;
      const third = (await agent.get(olderLink(second) as string).expect(200)).text;
      const pages = [first, second, third].map(numbersOn);
      expect(pages.map((numbers) => numbers.length)).toEqual([200, 200, 30]);
      expect(new Set(pages.flat()).size).toBe(430);
      expect(third).toContain('2026年3月1日');
      expect(third).toContain('到这里是这段时间最早的账');
      expect(olderLink(third)).toBeUndefined();
      expect(third).toContain(`href="${base}/entries?month=2026-03">← 回到最新的账</a>`);
      // A mangled cursor shows the newest page.
      expect(numbersOn((await agent.get(`${base}/entries?month=2026-03&before=xyz`).expect(200)).text)).toHaveLength(200);
    });
  });

  describe('what a treasurer types (acceptance pass 5)', () => {
    it('reads 3千 as 3000 and refuses an amount with a space between its digits instead of joining them', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      const token = await formToken(agent, `${base}/receipt`);
      const form = { _csrf: token, kind: 'recycling', method: 'cash', date: '2026-03-10' };
      const slipped = await agent.post(`${base}/receipt`).type('form').send({ ...form, amount: ' 12 3 ' }).expect(400);
      expect(fieldError(slipped.text, 'amount')).toBe('请填写大于零的金额，例如 150 或 150.50（最多两位小数，数字中间不要有空格）。');
      expect(slipped.text).toContain('value="12 3"');
      await agent.post(`${base}/receipt`).type('form').send({ ...form, amount: '3千' }).expect(303);
      const entries = await ledger.listEntries(ctx.db, treasurer.actor as Actor, entity.id, { limit: 50 });
      expect(entries.items.map((entry) => entry.lines[0].debit)).toEqual(['3000.00']);
    });

    it('says beside an earlier count what the books show for its day now, once entries were posted after it', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      await receive(ctx, treasurer, entity.id, '100.00', { date: '2026-03-01' });
      await ctx.request().post(`/api/entities/${entity.id}/reconciliations`).set(treasurer.auth).send({ date: '2026-03-02', cashCounted: '100.00', bankStatementBalance: '0.00' }).expect(201);
      const before = (await agent.get(`${base}/reconcile`).expect(200)).text;
      expect(before).not.toContain('对账之后又记了');
      await receive(ctx, treasurer, entity.id, '20.50', { date: '2026-03-02' });
      const after = (await agent.get(`${base}/reconcile`).expect(200)).text;
      expect(after).toContain('对账之后又记了这一天或以前的账：现在这一天的现金账上 ¥120.50、银行账上 ¥0.00。');
    });

    it('says on the forms that a memo, a purpose and a reason are published as typed', async () => {
      const { agent, base } = await treasurerAgent(ctx);
      expect((await agent.get(`${base}/receipt`).expect(200)).text).toContain('备注会在公开报告里原样显示，请不要写捐赠人的姓名、电话等个人信息');
      expect((await agent.get(`${base}/payment`).expect(200)).text).toContain('用途会在公开报告里原样显示');
    });
  });

  describe('after the month still running is closed (no day up to today is open)', () => {
    const sentence = '本月（3月）已结账，4月1日起可以记新的账。';

    it('says so on every form instead of offering one whose every date would be refused, and offers no 冲销', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      const receipt = await receive(ctx, treasurer, entity.id, '500.00', { date: '2026-03-01' });
      // Dated ahead through the API: its own day is open, so it can still be reversed then.
      const ahead = await receive(ctx, treasurer, entity.id, '20.00', { date: '2026-04-05' });
      expect((await agent.get(base).expect(200)).text).not.toContain(sentence);
      // The reversal form takes no day after today, as the other forms (a December date was the way round a closed November).
      const later = await agent.post(`${base}/entries/${receipt.id}/reverse`).type('form').send({ _csrf: await formToken(agent, base), reason: '记错了', date: '2026-04-01' }).expect(400);
      expect(fieldError(later.text, 'date')).toBe('日期不能晚于今天（2026年3月15日），请填今天或以前的日期。');
      await agent.post(`${base}/close`).type('form').send({ _csrf: await formToken(agent, `${base}/close`), period: '2026-03', confirm: '1' }).expect(303);

      const home = (await agent.get(base).expect(200)).text;
      expect(home).toContain(`<strong>${sentence}</strong>在那之前不能记收入、支出，也不能存取现金、冲销或对账。`);
      for (const form of ['receipt', 'payment', 'transfer', 'reconcile']) {
        expect(home).not.toContain(`href="${base}/${form}"`);
        const page = (await agent.get(`${base}/${form}`).expect(200)).text;
        expect(page).toContain(sentence);
        expect(page).not.toContain(`action="${base}/${form}"`);
      }
      // A form opened before the close and sent after it comes back with the same sentence, not "pick an open month".
      const stale = await agent.post(`${base}/receipt`).type('form').send({ _csrf: csrfOf(home), kind: 'parking', method: 'cash', amount: '35', date: '2026-03-15' }).expect(409);
      expect(stale.text).toContain(sentence);
      expect(stale.text).not.toContain('请改为还没结账的月份里的日期');

      const list = (await agent.get(`${base}/entries`).expect(200)).text;
      expect(list).toContain(`<strong>${sentence}</strong>在那之前不能冲销。`);
      expect(list).not.toContain(`/entries/${receipt.id}/reverse`);
      expect(list).toContain(`/entries/${ahead.id}/reverse`);
      const reverse = (await agent.get(`${base}/entries/${receipt.id}/reverse`).expect(200)).text;
      expect(reverse).toContain(sentence);
      expect(reverse).not.toContain(`action="${base}/entries/${receipt.id}/reverse"`);
      const refused = await agent.post(`${base}/entries/${receipt.id}/reverse`).type('form').send({ _csrf: csrfOf(home), reason: '记错了', date: '2026-04-01' }).expect(400);
      expect(refused.text).toContain(sentence);
      const early = await agent.post(`${base}/entries/${ahead.id}/reverse`).type('form').send({ _csrf: csrfOf(home), reason: '记错了', date: '2026-04-06' }).expect(400);
      expect(fieldError(early.text, 'date')).toBe('这笔账记在2026年4月5日，冲销日期请填这一天。');
      const entries = (await ctx.request().get(`/api/entities/${entity.id}/entries`).set(treasurer.auth).expect(200)).body.items;
      expect(entries.map((entry: { reversedBy: string | null }) => entry.reversedBy)).toEqual([null, null]);
    });

    it('names the month after a later month closed early, across the year', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      await ctx.request().post(`/api/entities/${entity.id}/periods/2026-12/close`).set(treasurer.auth).expect(200);
      expect((await agent.get(`${base}/payment`).expect(200)).text).toContain('账本已结账到2026年12月，2027年1月1日起可以记新的账。');
    });
  });

  describe('what the accessibility and wording review found (acceptance pass 8)', () => {
    it('tells the administrator where administration is done, not to ask the administrator', async () => {
      const root = ctx.request();
      await webLogin(root, await admin(ctx));
      const home = (await root.get('/app').expect(200)).text;
      expect(home).toContain('系统管理员通过接口（API');
      expect(home).not.toContain('请联系管理员');
      const nobody = ctx.request();
      await webLogin(nobody, await createUser(ctx, []));
      expect((await nobody.get('/app').expect(200)).text).toContain('您的账号还没有分配到任何公益站或基金会。请联系管理员。');
    });

    it("offers a foundation's treasurer no parking or recycling income, and a station's both", async () => {
      const foundation = await foundationWithStaff(ctx);
      const agent = ctx.request();
      await webLogin(agent, foundation.treasurer);
      const page = (await agent.get(`/app/e/${foundation.entity.code}/receipt`).expect(200)).text;
      expect(page).not.toContain('value="parking"');
      expect(page).not.toContain('value="recycling"');
      expect(page).toMatch(/value="donation" checked/);
      const station = await treasurerAgent(ctx);
      const stationPage = (await station.agent.get(`${station.base}/receipt`).expect(200)).text;
      expect(stationPage).toMatch(/value="parking" checked/);
      expect(stationPage).toContain('value="recycling"');
    });

    it('finds entries anywhere in the book by memo, voucher number, payer or payee, or amount', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      const donation = await receive(ctx, treasurer, entity.id, '300.00', { date: '2025-01-05', kind: 'donation', payer: '张三丰' });
      await receive(ctx, treasurer, entity.id, '35.50', { date: '2026-03-05', kind: 'recycling' });
      await ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth)
        .send({ date: '2026-03-06', amount: '120.00', method: 'cash', payee: '红星五金店', purpose: '路灯灯泡 100%_新', category: 'program' }).expect(201);
      const found = async (q: string) => {
        const page = (await agent.get(`${base}/entries?q=${encodeURIComponent(q)}`).expect(200)).text;
        return [...page.matchAll(/凭证号 (\d{4}-\d{6})/g)].map((match) => match[1]);
      };
      expect(await found('张三')).toEqual([donation.number]);
      expect(await found(donation.number as string)).toEqual([donation.number]);
      expect(await found('五金')).toHaveLength(1);
      expect(await found('灯泡')).toHaveLength(1);
      expect(await found('35.5')).toHaveLength(1);
      expect(await found('１２０')).toHaveLength(1);
      // % and _ are letters here, not wildcards.
      expect(await found('100%_')).toHaveLength(1);
      expect(await found('%')).toHaveLength(1);
      const none = (await agent.get(`${base}/entries?q=${encodeURIComponent('没有这个')}`).expect(200)).text;
      expect(none).toContain('没有找到。');
      expect(none).toContain('<h1>查找“没有这个”</h1>');
    });

    it('shows the 科目余额表 as of a day and an account\'s 明细账 for a month, to the treasurer and the supervisor', async () => {
      const { agent, base, entity, treasurer, supervisor } = await treasurerAgent(ctx);
      await receive(ctx, treasurer, entity.id, '300.00', { date: '2026-02-05' });
      await receive(ctx, treasurer, entity.id, '35.50', { date: '2026-03-05', kind: 'recycling' });
      await ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth)
        .send({ date: '2026-03-06', amount: '120.00', method: 'cash', payee: '红星五金店', purpose: '路灯灯泡', category: 'program' }).expect(201);
      const boss = ctx.request();
      await webLogin(boss, supervisor);
      const home = (await boss.get(base).expect(200)).text;
      expect(home).toContain(`href="${base}/balances"`);
      const balances = (await boss.get(`${base}/balances?asOf=2026-03-31`).expect(200)).text;
      const api = (await ctx.request().get(`/api/entities/${entity.id}/trial-balance?asOf=2026-03-31`).set(treasurer.auth).expect(200)).body;
      expect(balances).toContain(`<a href="${base}/accounts/1001?month=2026-03">1001 现金</a></th><td class="num" data-label="借方合计">¥335.50</td><td class="num" data-label="贷方合计">¥120.00</td><td class="num" data-label="余额">¥215.50</td>`);
      expect(balances).toContain(`<th scope="row">合计</th><td class="num" data-label="借方合计">¥${Number(api.totals.debit).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}</td>`);
      // February only: the March entries are not in it yet.
      expect((await boss.get(`${base}/balances?asOf=2026-02-28`).expect(200)).text).toContain('<td class="num" data-label="余额">¥300.00</td>');
      const cash = (await agent.get(`${base}/accounts/1001?month=2026-03`).expect(200)).text;
      expect(cash).toContain('<h1>1001 现金 · 2026年3月明细账</h1>');
      expect(cash).toMatch(/期初余额<\/dt><dd>¥300.00<\/dd>[\s\S]*期末余额<\/dt><dd>¥215.50<\/dd>/);
      expect([...cash.matchAll(/data-label="余额">(¥[\d,.]+)</g)].map((match) => match[1])).toEqual(['¥335.50', '¥215.50']);
      expect(cash).toContain('路灯灯泡');
      await agent.get(`${base}/accounts/9999?month=2026-03`).expect(404);
      const stranger = ctx.request();
      await webLogin(stranger, (await stationWithStaff(ctx)).treasurer);
      await stranger.get(`${base}/balances`).expect(404);
    });

    it('names each 冲销 link for screen readers by the entry it reverses', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      await receive(ctx, treasurer, entity.id, '35.00', { date: '2026-03-05', kind: 'recycling' });
      const list = (await agent.get(`${base}/entries`).expect(200)).text;
      expect(list).toMatch(/>冲销<span class="sr-only">：[^<]+（2026年3月5日）<\/span><\/a>/);
    });
  });

  describe('what tester B found (acceptance pass 7)', () => {
    it('links the supervisor to the entries list, and to no page that refuses them', async () => {
      const { base, supervisor } = await treasurerAgent(ctx);
      const boss = ctx.request();
      await webLogin(boss, supervisor);
      const home = (await boss.get(base).expect(200)).text;
      expect(home).toContain(`href="${base}/entries"`);
      const links = [...home.matchAll(/href="(\/app\/[^"]+)"/g)].map((match) => match[1]);
      expect(links.length).toBeGreaterThanOrEqual(3);
      for (const link of links) await boss.get(link).expect(200);
    });

    it('shows the supervisor the counts and their notes, read only; recording one stays the treasurer’s', async () => {
      const { agent, base, supervisor } = await treasurerAgent(ctx);
      await agent.post(`${base}/reconcile`).type('form')
        .send({ _csrf: await formToken(agent, `${base}/reconcile`), date: '2026-03-05', cashCounted: '0', bankStatementBalance: '0', note: '盘点时两人在场' }).expect(303);
      const boss = ctx.request();
      await webLogin(boss, supervisor);
      expect((await boss.get(base).expect(200)).text).toContain(`href="${base}/reconcile">对账记录（只看不改）</a>`);
      const page = (await boss.get(`${base}/reconcile`).expect(200)).text;
      expect(page).toContain('<h2>对账记录</h2>');
      expect(page).toContain('说明：盘点时两人在场');
      expect(page).not.toContain(`action="${base}/reconcile"`);
      const token = csrfOf((await boss.get(base).expect(200)).text);
      await boss.post(`${base}/reconcile`).type('form').send({ _csrf: token, date: '2026-03-06', cashCounted: '0', bankStatementBalance: '0' }).expect(403);
    });

    it('says a huge amount is too large, not that it must be above zero', async () => {
      const { agent, base } = await treasurerAgent(ctx);
      const tooLarge = '金额太大了，账本最多能记 18 位整数。请核对一下，是不是多打了几个 0？';
      const receipt = await agent.post(`${base}/receipt`).type('form').send({ _csrf: await formToken(agent, `${base}/receipt`), kind: 'parking', method: 'cash', date: '2026-03-05', amount: '1000000000000000000' }).expect(400);
      expect(fieldError(receipt.text, 'amount')).toBe(tooLarge);
      const payment = await pay(agent, base, await formToken(agent, `${base}/payment`), { amount: '¥1,000,000,000,000,000,000', date: '2026-03-05' }).expect(400);
      expect(fieldError(payment.text, 'amount')).toBe(tooLarge);
      const count = await agent.post(`${base}/reconcile`).type('form').send({ _csrf: await formToken(agent, `${base}/reconcile`), date: '2026-03-15', cashCounted: '0', bankStatementBalance: '1000000000000000000' }).expect(400);
      expect(fieldError(count.text, 'bankStatementBalance')).toBe(tooLarge);
      // Words are still asked for as a number above zero.
      const words = await agent.post(`${base}/receipt`).type('form').send({ _csrf: await formToken(agent, `${base}/receipt`), kind: 'parking', method: 'cash', date: '2026-03-05', amount: '一百' }).expect(400);
      expect(fieldError(words.text, 'amount')).toContain('请填写大于零的金额');
    });

    it('reads "5." and ".5" as ¥5.00 and ¥0.50', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      const form = { _csrf: await formToken(agent, `${base}/receipt`), kind: 'recycling', method: 'cash', date: '2026-03-05' };
      await agent.post(`${base}/receipt`).type('form').send({ ...form, amount: '5.' }).expect(303);
      await agent.post(`${base}/receipt`).type('form').send({ ...form, amount: '.5' }).expect(303);
      const amounts = (await ledger.listEntries(ctx.db, treasurer.actor, entity.id, { limit: 10 })).items.map((entry) => entry.lines[0].debit);
      expect(amounts.sort()).toEqual(['0.50', '5.00']);
    });

    it('refuses 匿名 with 同意公开全名 beside the two boxes, keeping what was typed', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      const form = { _csrf: await formToken(agent, `${base}/receipt`), kind: 'donation', method: 'cash', date: '2026-03-05', amount: '200', payer: '王大妈', memo: '重阳节' };
      const both = await agent.post(`${base}/receipt`).type('form').send({ ...form, anonymous: '1', nameConsent: '1' }).expect(400);
      expect(fieldError(both.text, 'anonymous')).toBe('“希望匿名”和“同意公开全名”只能选一个：要匿名就去掉“同意公开全名”的勾，要公开名字就去掉“希望匿名”的勾。');
      expect(both.text).toContain('name="anonymous" value="1" checked');
      expect(both.text).toContain('name="nameConsent" value="1" checked');
      expect(both.text).toContain('value="王大妈"');
      expect(both.text).toContain('value="重阳节"');
      expect((await ledger.listEntries(ctx.db, treasurer.actor, entity.id, { limit: 10 })).items).toEqual([]);
      await agent.post(`${base}/receipt`).type('form').send({ ...form, anonymous: '1' }).expect(303);
    });

    it('names the months a close closed in the notice', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      await receive(ctx, treasurer, entity.id, '100.00', { date: '2026-01-05' });
      const first = await agent.post(`${base}/close`).type('form').send({ _csrf: await formToken(agent, `${base}/close`), period: '2026-02', confirm: '1' }).expect(303);
      expect((await agent.get(first.headers.location).expect(200)).text).toContain('2026年1月至2026年2月已结账（结账时，之前还没结的月份会一起结掉）。');
      const second = await agent.post(`${base}/close`).type('form').send({ _csrf: await formToken(agent, `${base}/close`), period: '2026-03', confirm: '1' }).expect(303);
      expect((await agent.get(second.headers.location).expect(200)).text).toContain('2026年3月已结账。');
      // The months are only words in the address: a malformed one is not shown.
      expect((await agent.get(`${base}?ok=closed&from=<b>&to=2026-03`).expect(200)).text).toContain('<p class="flash" role="status" id="flash" tabindex="-1">已结账。</p>');
    });

    it('names the year-end 结转 a close posted, for an earlier year closed with it too', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      await receive(ctx, treasurer, entity.id, '100.00', { date: '2025-06-05' });
      const done = await agent.post(`${base}/close`).type('form').send({ _csrf: await formToken(agent, `${base}/close`), period: '2026-02', confirm: '1' }).expect(303);
      expect((await agent.get(done.headers.location).expect(200)).text).toContain('2025年1月至2026年2月已结账（结账时，之前还没结的月份会一起结掉）。已做2025年度收支结转。');
      // A year outside the span named is not repeated from the address.
      expect((await agent.get(`${base}?ok=closed&from=2026-01&to=2026-02&carried=2025`).expect(200)).text).not.toContain('收支结转');
    });

    it('offers no month before the first entry on the entries list', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      const empty = (await agent.get(`${base}/entries`).expect(200)).text;
      expect(empty).not.toContain(`href="${base}/entries?month=`);
      await receive(ctx, treasurer, entity.id, '100.00', { date: '2026-02-05' });
      const recent = (await agent.get(`${base}/entries`).expect(200)).text;
      expect(recent).toContain(`href="${base}/entries?month=2026-02"`);
      expect(recent).toContain('min="2026-02"');
      const february = (await agent.get(`${base}/entries?month=2026-02`).expect(200)).text;
      expect(february).not.toContain(`href="${base}/entries?month=2026-01"`);
      const typedEarlier = (await agent.get(`${base}/entries?month=1900-01`).expect(200)).text;
      expect(typedEarlier).not.toContain('1899');
    });
  });

  describe('the same entry typed again after Back (tester B 1)', () => {
    const entriesOf = async (entity: { id: string }, treasurer: { actor: Actor }) => (await ledger.listEntries(ctx.db, treasurer.actor, entity.id, { limit: 50 })).items;
    const formKeyOf = (html: string) => /name="formKey" value="([0-9a-f]{32})"/.exec(html)?.[1] ?? '';

    it('asks before saving a receipt the same as one this user saved minutes ago, keeping what was typed, and saves it once ticked', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      const form = { kind: 'donation', method: 'cash', date: '2026-03-05', amount: '22.22', payer: '张阿姨', memo: '后退重交测试' };
      const first = await agent.get(`${base}/receipt`).expect(200);
      expect(first.text).not.toContain('刚才记的账');
      await agent.post(`${base}/receipt`).type('form').send({ ...form, _csrf: csrfOf(first.text), formKey: formKeyOf(first.text) }).expect(303);
      const [saved] = await entriesOf(entity, treasurer);

      // Back: a fresh, empty form, which lists what was just saved.
      const back = await agent.get(`${base}/receipt`).expect(200);
      expect(back.text).toContain('刚才记的账（已经保存，不用再记）');
      expect(back.text).toMatch(new RegExp(`刚刚：2026年3月5日 · 捐赠 · 张阿姨 · 现金 · <strong>¥22.22</strong> · 凭证号 ${saved.number}`));
      const again = await agent.post(`${base}/receipt`).type('form').send({ ...form, _csrf: csrfOf(back.text), formKey: formKeyOf(back.text), payer: ' 张阿姨 ' }).expect(400);
      expect(again.text).toContain(`您刚刚记过一笔一模一样的账（凭证号 ${saved.number}），这一笔还没有保存。如果确实是另一笔，请勾选下面的“确认再记一笔”后再保存。`);
      expect(fieldError(again.text, 'confirmRepeat')).toBe('如果确实是另一笔，请勾选“确认再记一笔”');
      expect(again.text).toContain(`name="confirmedRepeat" value="${saved.id}"`);
      expect(again.text).toContain('value="后退重交测试"');
      expect(again.text).toContain('value="22.22"');
      expect(await entriesOf(entity, treasurer)).toHaveLength(1);

      // Ticked for another entry than the one repeated: asked again.
      const sent = { ...form, _csrf: csrfOf(back.text), formKey: formKeyOf(again.text), confirmRepeat: '1' };
      await agent.post(`${base}/receipt`).type('form').send({ ...sent, confirmedRepeat: crypto.randomUUID() }).expect(400);
      await agent.post(`${base}/receipt`).type('form').send({ ...sent, confirmedRepeat: saved.id }).expect(303);
      expect(await entriesOf(entity, treasurer)).toHaveLength(2);
      // Another amount, kind, day, way of paying or giver is another entry: nothing is asked.
      for (const other of [{ amount: '22.23' }, { kind: 'other' }, { date: '2026-03-06' }, { method: 'bank' }, { payer: '李阿姨' }]) {
        await agent.post(`${base}/receipt`).type('form').send({ ...form, ...other, _csrf: csrfOf(back.text), formKey: crypto.randomBytes(16).toString('hex') }).expect(303);
      }
      // Seven saved in these minutes: the form lists the three newest, so it stays near the top on a phone.
      const busy = (await agent.get(`${base}/receipt`).expect(200)).text;
      expect(busy.match(/<li>刚刚：/g)).toHaveLength(3);
      expect(busy).toContain(`还有 4 笔，见<a href="${base}/entries">最近的账</a>。`);
    });

    it('asks the same of a payment, naming one that waits for approval, and asks only the user who recorded it', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx, { approvalThreshold: '100.00' });
      await receive(ctx, treasurer, entity.id, '1000.00', { date: '2026-03-01' });
      const fields = { amount: '120.5', date: '2026-03-05', payee: '南坪文具店', purpose: '买文具' };
      await pay(agent, base, await formToken(agent, `${base}/payment`), fields).expect(303);
      const back = await agent.get(`${base}/payment`).expect(200);
      expect(back.text).toContain('付给 南坪文具店 · 买文具 · 现金 · <strong>¥120.50</strong> · 等待监委会审批');
      const again = await pay(agent, base, csrfOf(back.text), fields).expect(400);
      expect(again.text).toContain('您刚刚记过一笔一模一样的账（正在等待监委会审批），这一笔还没有保存。');
      expect(again.text).toContain('value="南坪文具店"');
      expect((await entriesOf(entity, treasurer)).filter((entry) => entry.kind === 'payment')).toHaveLength(1);

      const colleague = await createUser(ctx, [{ role: 'treasurer', entityId: entity.id }]);
      const other = ctx.request();
      await webLogin(other, colleague);
      const theirs = await other.get(`${base}/payment`).expect(200);
      expect(theirs.text).not.toContain('刚才记的账');
      await pay(other, base, csrfOf(theirs.text), fields).expect(303);
      expect((await entriesOf(entity, treasurer)).filter((entry) => entry.kind === 'payment')).toHaveLength(2);
    });

    it('answers a form sent twice under its own key with the entry it saved, not with the question', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      const form = { _csrf: await formToken(agent, `${base}/receipt`), kind: 'parking', method: 'cash', date: '2026-03-05', amount: '35', formKey: 'c'.repeat(32) };
      const first = await agent.post(`${base}/receipt`).type('form').send(form).expect(303);
      const second = await agent.post(`${base}/receipt`).type('form').send(form).expect(303);
      expect(second.headers.location).toBe(first.headers.location);
      expect(await entriesOf(entity, treasurer)).toHaveLength(1);
    });

    it('asks about a large amount and a repeat together, and keeps a tick given while the other is asked', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      const form = { _csrf: await formToken(agent, `${base}/receipt`), kind: 'subsidy', method: 'bank', date: '2026-03-05', amount: '12000' };
      await agent.post(`${base}/receipt`).type('form').send({ ...form, formKey: 'a'.repeat(32), confirmLarge: '1', confirmedAmount: '12000.00' }).expect(303);
      const [saved] = await entriesOf(entity, treasurer);
      const both = await agent.post(`${base}/receipt`).type('form').send({ ...form, formKey: 'b'.repeat(32) }).expect(400);
      expect(fieldError(both.text, 'confirmLarge')).toBe('请核对金额后勾选“金额无误”');
      expect(fieldError(both.text, 'confirmRepeat')).toBe('如果确实是另一笔，请勾选“确认再记一笔”');
      const one = await agent.post(`${base}/receipt`).type('form').send({ ...form, formKey: 'b'.repeat(32), confirmLarge: '1', confirmedAmount: '12000.00' }).expect(400);
      expect(fieldError(one.text, 'confirmLarge')).toBeNull();
      expect(one.text).toContain('name="confirmLarge" value="1" checked');
      expect(one.text).toContain('name="confirmedAmount" value="12000.00"');
      await agent.post(`${base}/receipt`).type('form').send({ ...form, formKey: 'b'.repeat(32), confirmLarge: '1', confirmedAmount: '12000.00', confirmRepeat: '1', confirmedRepeat: saved.id }).expect(303);
      expect(await entriesOf(entity, treasurer)).toHaveLength(2);
    });
  });
});
