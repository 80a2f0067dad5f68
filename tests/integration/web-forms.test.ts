import { useTestContext } from '../support/context';
import { fixedClock } from '../../src/shared/clock';
import { createUser, receive, stationWithStaff } from '../factories';
import { csrfOf, formToken, treasurerAgent, webLogin } from './web-support';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

describe('treasurer forms', () => {
  const ctx = useTestContext({ clock: fixedClock('2026-03-15T10:00:00+08:00') });

  async function entriesOf(entityId: string, auth: { Authorization: string }) {
    return (await ctx.request().get(`/api/entities/${entityId}/entries`).set(auth).expect(200)).body.items;
  }

  describe('POST /app/e/:code/receipt', () => {
    it('defaults the date to today in Shanghai', async () => {
      const { agent, base } = await treasurerAgent(ctx);
      const page = await agent.get(`${base}/receipt`).expect(200);
      expect(page.text).toContain('value="2026-03-15"');
      expect(page.text).toContain('lang="zh-CN"');
      expect(page.text).toMatch(/<label for="f-amount">金额/);
    });

    it.each([
      ['１５０', '150.00'],
      ['¥150', '150.00'],
      ['150元', '150.00'],
      ['1,500.00', '1500.00'],
      ['150.5', '150.50'],
    ])('reads the amount %p as %p and posts a parking receipt', async (typed, posted) => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      const token = await formToken(agent, `${base}/receipt`);
      const response = await agent.post(`${base}/receipt`).type('form').send({ _csrf: token, kind: 'parking', method: 'cash', amount: typed, date: '2026/3/5' }).expect(303);
      expect(response.headers.location).toMatch(new RegExp(`^${base}\\?ok=receipt`));
      const [entry] = await entriesOf(entity.id, treasurer.auth);
      // The notice names what was recorded, so the number can go on the paper receipt.
      const home = await agent.get(response.headers.location).expect(200);
      expect(home.text).toContain(`收入 ${posted === '1500.00' ? '¥1,500.00' : `¥${posted}`} 已记好，凭证号 ${entry.number}，可写在收据上。`);
      expect(entry.date).toBe('2026-03-05');
      expect(entry.details.receiptKind).toBe('parking');
      expect(entry.lines.find((line: { accountCode: string }) => line.accountCode === '1001').debit).toBe(posted);
      expect(entry.lines.find((line: { accountCode: string }) => line.accountCode === '490101').credit).toBe(posted);
    });

    it.each([
      ['3月5日', '2026-03-05'],
      ['3/15', '2026-03-15'],
      ['12月31日', '2025-12-31'],
    ])('reads the day %p, written without its year, as the latest such day up to today: %p', async (typed, posted) => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      const token = await formToken(agent, `${base}/receipt`);
      await agent.post(`${base}/receipt`).type('form').send({ _csrf: token, kind: 'parking', method: 'cash', amount: '20', date: typed }).expect(303);
      const [entry] = await entriesOf(entity.id, treasurer.auth);
      expect(entry.date).toBe(posted);
    });

    it('shows a day written without its year back in the date picker when another field needs fixing', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      const token = await formToken(agent, `${base}/receipt`);
      const response = await agent.post(`${base}/receipt`).type('form').send({ _csrf: token, kind: 'parking', method: 'cash', amount: '', date: '12月31日' }).expect(400);
      expect(response.text).toContain('请填写大于零的金额');
      expect(response.text).toMatch(/type="date"[^>]*value="2025-12-31"|value="2025-12-31"[^>]*type="date"/);
      expect(await entriesOf(entity.id, treasurer.auth)).toEqual([]);
    });

    it('keeps what was typed and says in Chinese what to fix, writing nothing', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      const token = await formToken(agent, `${base}/receipt`);
      const response = await agent
        .post(`${base}/receipt`)
        .type('form')
        .send({ _csrf: token, kind: 'donation', method: 'bank', amount: '一百五', date: '2026-03-05', payer: '张三丰', nameConsent: '1', memo: '春节慰问' })
        .expect(400);
      expect(response.text).toContain('请填写大于零的金额');
      expect(response.text).toContain('value="一百五"');
      expect(response.text).toContain('value="张三丰"');
      expect(response.text).toContain('value="春节慰问"');
      expect(response.text).toMatch(/value="donation" checked/);
      expect(response.text).toMatch(/value="bank" checked/);
      expect(response.text).toMatch(/id="f-nameConsent" name="nameConsent" value="1" checked/);
      expect(response.text).toContain('aria-invalid="true"');
      expect(await entriesOf(entity.id, treasurer.auth)).toEqual([]);
    });

    it('asks for the kind and a positive amount when they are missing or zero', async () => {
      const { agent, base } = await treasurerAgent(ctx);
      const token = await formToken(agent, `${base}/receipt`);
      const response = await agent.post(`${base}/receipt`).type('form').send({ _csrf: token, method: 'cash', amount: '0', date: '2026-03-05' }).expect(400);
      expect(response.text).toContain('请选择收入类型');
      expect(response.text).toContain('请填写大于零的金额');
    });

    it('refuses a date in a closed month with the plain sentence and keeps the form', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      await ctx.request().post(`/api/entities/${entity.id}/periods/2026-02/close`).set(treasurer.auth).expect(200);
      const token = await formToken(agent, `${base}/receipt`);
      const response = await agent.post(`${base}/receipt`).type('form').send({ _csrf: token, kind: 'recycling', method: 'cash', amount: '35', date: '2026-02-20' }).expect(409);
      expect(response.text).toContain('该月份已结账，不能再记账');
      expect(response.text).toContain('value="2026-02-20"');
      expect(await entriesOf(entity.id, treasurer.auth)).toEqual([]);
    });

    it('says which close froze a date in an earlier, unclosed month', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      await ctx.request().post(`/api/entities/${entity.id}/periods/2026-02/close`).set(treasurer.auth).expect(200);
      const token = await formToken(agent, `${base}/receipt`);
      const response = await agent.post(`${base}/receipt`).type('form').send({ _csrf: token, kind: 'recycling', method: 'cash', amount: '35', date: '2026-01-20' }).expect(409);
      expect(response.text).toContain('账本已结账到2026年2月（结账会冻结这个月和之前的所有月份）');
      expect(response.text).toContain('请改为2026年2月以后的日期');
      expect(await entriesOf(entity.id, treasurer.auth)).toEqual([]);
    });

    it('posts a double-tapped form once (the form key is the idempotency key)', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      const page = await agent.get(`${base}/receipt`).expect(200);
      const formKey = /name="formKey" value="([0-9a-f]{32})"/.exec(page.text)?.[1];
      const form = { _csrf: csrfOf(page.text), formKey, kind: 'parking', method: 'cash', amount: '20', date: '2026-03-05' };
      await agent.post(`${base}/receipt`).type('form').send(form).expect(303);
      await agent.post(`${base}/receipt`).type('form').send(form).expect(303);
      expect(await entriesOf(entity.id, treasurer.auth)).toHaveLength(1);
    });
  });

  describe('POST /app/e/:code/payment', () => {
    it('posts a payment with its receipt photo, checked by content', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      await receive(ctx, treasurer, entity.id, '500.00');
      const token = await formToken(agent, `${base}/payment`);
      await agent
        .post(`${base}/payment`)
        .field('_csrf', token)
        .field('amount', '８０')
        .field('payee', '李师傅')
        .field('purpose', '路灯维修')
        .field('category', 'program')
        .field('method', 'cash')
        .field('date', '2026-03-10')
        .field('fundCode', 'GENERAL')
        .attach('file', PNG, { filename: '收据.png', contentType: 'image/png' })
        .expect(303);
      const payment = (await entriesOf(entity.id, treasurer.auth)).find((entry: { kind: string }) => entry.kind === 'payment');
      expect(payment.lines.find((line: { accountCode: string }) => line.accountCode === '5101').debit).toBe('80.00');
      expect(payment.attachments).toHaveLength(1);
      expect(payment.attachments[0]).toMatchObject({ filename: '收据.png', contentType: 'image/png' });
    });

    it('refuses a file that is not a picture or PDF by its content, keeps the values and posts nothing', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      await receive(ctx, treasurer, entity.id, '500.00');
      const token = await formToken(agent, `${base}/payment`);
      const response = await agent
        .post(`${base}/payment`)
        .field('_csrf', token)
        .field('amount', '80')
        .field('payee', '李师傅')
        .field('purpose', '路灯维修')
        .field('category', 'admin')
        .field('method', 'cash')
        .field('date', '2026-03-10')
        .attach('file', Buffer.from('MZ this is not an image'), { filename: 'photo.jpg', contentType: 'image/jpeg' })
        .expect(400);
      expect(response.text).toContain('这个文件不是 JPEG、PNG 照片或 PDF');
      expect(response.text).toContain('value="李师傅"');
      expect(response.text).toMatch(/value="admin" checked/);
      expect((await entriesOf(entity.id, treasurer.auth)).filter((entry: { kind: string }) => entry.kind === 'payment')).toEqual([]);
    });

    it('refuses a file over 5 MB with a Chinese hint', async () => {
      const { agent, base } = await treasurerAgent(ctx);
      const token = await formToken(agent, `${base}/payment`);
      const big = Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024)]);
      const response = await agent
        .post(`${base}/payment`)
        .field('_csrf', token)
        .field('amount', '80')
        .field('payee', '李师傅')
        .field('purpose', '路灯维修')
        .field('category', 'program')
        .field('method', 'cash')
        .field('date', '2026-03-10')
        .attach('file', big, { filename: 'big.png', contentType: 'image/png' });
      expect(response.status).toBe(400);
      expect(response.text).toContain('照片太大了');
    });

    it('says the cash is not enough, in Chinese, with the amount available', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      await receive(ctx, treasurer, entity.id, '50.00');
      const token = await formToken(agent, `${base}/payment`);
      const response = await agent
        .post(`${base}/payment`)
        .field('_csrf', token)
        .field('amount', '80')
        .field('payee', '李师傅')
        .field('purpose', '买菜')
        .field('category', 'program')
        .field('method', 'cash')
        .field('date', '2026-03-10')
        .expect(422);
      expect(response.text).toContain('按2026年3月10日及以后的账，现金最少时只有 ¥50.00');
      expect(response.text).toContain('value="买菜"');
    });

    it('asks for payee and purpose in Chinese', async () => {
      const { agent, base } = await treasurerAgent(ctx);
      const token = await formToken(agent, `${base}/payment`);
      const response = await agent.post(`${base}/payment`).field('_csrf', token).field('amount', '80').field('category', 'program').field('method', 'cash').field('date', '2026-03-10').expect(400);
      expect(response.text).toContain('请填写收款人');
      expect(response.text).toContain('请写明这笔钱的用途');
    });
  });

  describe('reversal, close, reconciliation, approval', () => {
    it('needs a reason to reverse, then reverses once', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      const receipt = await receive(ctx, treasurer, entity.id, '150.00', { date: '2026-03-05' });
      const list = await agent.get(`${base}/entries`).expect(200);
      expect(list.text).toContain(`${base}/entries/${receipt.id}/reverse`);
      const token = await formToken(agent, `${base}/entries/${receipt.id}/reverse`);
      const missing = await agent.post(`${base}/entries/${receipt.id}/reverse`).type('form').send({ _csrf: token, reason: '  ', date: '2026-03-15' }).expect(400);
      expect(missing.text).toContain('请写明冲销的原因');
      await agent.post(`${base}/entries/${receipt.id}/reverse`).type('form').send({ _csrf: token, reason: '金额记错', date: '2026-03-15' }).expect(303);
      const entry = (await ctx.request().get(`/api/entities/${entity.id}/entries/${receipt.id}`).set(treasurer.auth).expect(200)).body;
      expect(entry.reversedBy).not.toBeNull();
      const again = await agent.post(`${base}/entries/${receipt.id}/reverse`).type('form').send({ _csrf: token, reason: '再冲一次', date: '2026-03-15' }).expect(409);
      expect(again.text).toContain('这笔账已经冲销过了');
    });

    it("says why a receipt whose money was spent cannot be reversed, naming the fund, without a payment's advice", async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      await ctx.request().post(`/api/entities/${entity.id}/funds`).set(treasurer.auth).send({ code: 'LAMPS', name: '路灯专项', restricted: true }).expect(201);
      await receive(ctx, treasurer, entity.id, '500.00', { date: '2026-03-01' });
      const receipt = await receive(ctx, treasurer, entity.id, '150.00', { date: '2026-03-05', kind: 'donation', fundCode: 'LAMPS', method: 'bank' });
      await ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth)
        .send({ date: '2026-03-06', amount: '100.00', method: 'cash', payee: '五金店', purpose: '灯泡', category: 'program', fundCode: 'LAMPS' }).expect(201);
      const token = await formToken(agent, `${base}/entries/${receipt.id}/reverse`);
      const refused = await agent.post(`${base}/entries/${receipt.id}/reverse`).type('form').send({ _csrf: token, reason: '金额记错', date: '2026-03-15' }).expect(422);
      expect(refused.text).toContain('限定性资金“路灯专项”');
      expect(refused.text).toContain('不够冲销这笔账。这笔钱后来已经用掉了');
      expect(refused.text).not.toContain('换一个资金来源');
      expect(refused.text).not.toContain('请减少金额');
    });

    it('says a reversal above the approval threshold waits for the supervisor, and marks the entry so', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx, { approvalThreshold: '100.00' });
      const receipt = await receive(ctx, treasurer, entity.id, '150.00', { date: '2026-03-05' });
      const token = await formToken(agent, `${base}/entries/${receipt.id}/reverse`);
      const done = await agent.post(`${base}/entries/${receipt.id}/reverse`).type('form').send({ _csrf: token, reason: '金额记错', date: '2026-03-15' }).expect(303);
      expect(done.headers.location).toBe(`${base}/entries?ok=reversed_pending`);
      const list = await agent.get(done.headers.location).expect(200);
      expect(list.text).toContain('等监委会审批通过后才入账');
      expect(list.text).toContain('冲销待审批');
      expect(list.text).not.toContain('<span class="tag">已冲销</span>');
    });

    it('closes a month only after the confirmation box is ticked', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      const page = await agent.get(`${base}/close`).expect(200);
      expect(page.text).toContain('name="period" value="2026-02" checked');
      const token = csrfOf(page.text);
      const unconfirmed = await agent.post(`${base}/close`).type('form').send({ _csrf: token, period: '2026-02' }).expect(400);
      expect(unconfirmed.text).toContain('请勾选确认后再结账');
      // One field to fix: the summary says so, not 有几处.
      expect(unconfirmed.text).toContain('<strong>请修改下面标红的地方。</strong>');
      let periods = (await ctx.request().get(`/api/entities/${entity.id}/periods`).set(treasurer.auth).expect(200)).body.items;
      expect(periods).toEqual([]);
      await agent.post(`${base}/close`).type('form').send({ _csrf: token, period: '2026-02', confirm: '1' }).expect(303);
      periods = (await ctx.request().get(`/api/entities/${entity.id}/periods`).set(treasurer.auth).expect(200)).body.items;
      // February closes January with it (closing a month closes every month before it).
      expect(periods.map((row: { period: string }) => row.period)).toEqual(['2026-01', '2026-02']);
      const twice = await agent.post(`${base}/close`).type('form').send({ _csrf: token, period: '2026-02', confirm: '1' }).expect(409);
      expect(twice.text).toContain('已经结过账了');
    });

    it('shows the differences between counted money and the books', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx);
      await receive(ctx, treasurer, entity.id, '1200.00', { date: '2026-03-05' });
      const token = await formToken(agent, `${base}/reconcile`);
      const saved = await agent.post(`${base}/reconcile`).type('form').send({ _csrf: token, date: '2026-03-15', cashCounted: '1,150', bankStatementBalance: '０', note: '少了 50 元，在查' }).expect(303);
      const response = await agent.get(saved.headers.location).expect(200);
      expect(response.text).toContain('¥1,150.00');
      expect(response.text).toContain('¥1,200.00');
      expect(response.text).toContain('-¥50.00');
      expect(response.text).toContain('账实不符');
    });

    it('lets a supervisor approve a large payment, but not the one they wrote', async () => {
      const { agent, base, entity, treasurer, supervisor } = await treasurerAgent(ctx, { approvalThreshold: '100.00' });
      await receive(ctx, treasurer, entity.id, '1000.00');
      const token = await formToken(agent, `${base}/payment`);
      const posted = await agent
        .post(`${base}/payment`)
        .field('_csrf', token)
        .field('amount', '300')
        .field('payee', '某某物业公司')
        .field('purpose', '百家宴场地')
        .field('category', 'program')
        .field('method', 'cash')
        .field('date', '2026-03-10')
        .expect(303);
      expect(posted.headers.location).toContain('ok=payment_pending');
      expect((await agent.get(posted.headers.location).expect(200)).text).toContain('支出 ¥300.00 已记好，金额超过审批额度，正在等待监委会审批（审批通过后才有凭证号）。');
      // A notice is only words: a forged amount or number in the address is not shown.
      expect((await agent.get(`${base}?ok=payment&amt=<b>1</b>&no=x`).expect(200)).text).toContain('支出已记好。');
      const pending = (await entriesOf(entity.id, treasurer.auth)).find((entry: { status: string }) => entry.status === 'pending_approval');

      const boss = ctx.request();
      await webLogin(boss, supervisor);
      const list = await boss.get(`${base}/approvals`).expect(200);
      expect(list.text).toContain('百家宴场地');
      await boss.post(`${base}/entries/${pending.id}/approve`).type('form').send({ _csrf: csrfOf(list.text) }).expect(303);
      const approved = (await ctx.request().get(`/api/entities/${entity.id}/entries/${pending.id}`).set(treasurer.auth).expect(200)).body;
      expect(approved.status).toBe('posted');

      const both = await createUser(ctx, [
        { role: 'treasurer', entityId: entity.id },
        { role: 'supervisor', entityId: entity.id },
      ]);
      const own = ctx.request();
      await webLogin(own, both);
      const ownToken = await formToken(own, `${base}/payment`);
      await own.post(`${base}/payment`).field('_csrf', ownToken).field('amount', '200').field('payee', '张三').field('purpose', '路灯').field('category', 'program').field('method', 'cash').field('date', '2026-03-11').expect(303);
      const mine = (await entriesOf(entity.id, treasurer.auth)).find((entry: { status: string }) => entry.status === 'pending_approval');
      const refused = await own.post(`${base}/entries/${mine.id}/approve`).type('form').send({ _csrf: ownToken }).expect(403);
      expect(refused.text).toContain('不能审批自己记的账');
    });

    it('lets a supervisor send a pending payment back with a reason; the treasurer sees it as 已退回 and the month closes', async () => {
      const { agent, base, entity, treasurer, supervisor } = await treasurerAgent(ctx, { approvalThreshold: '100.00' });
      await receive(ctx, treasurer, entity.id, '1000.00', { date: '2026-03-02' });
      const token = await formToken(agent, `${base}/payment`);
      await agent.post(`${base}/payment`).field('_csrf', token).field('amount', '800').field('payee', '某某物业公司').field('purpose', '多付的场地费')
        .field('category', 'program').field('method', 'cash').field('date', '2026-03-10').expect(303);
      const pending = (await entriesOf(entity.id, treasurer.auth)).find((entry: { status: string }) => entry.status === 'pending_approval');

      const boss = ctx.request();
      await webLogin(boss, supervisor);
      const list = await boss.get(`${base}/approvals`).expect(200);
      expect(list.text).toContain(`action="${base}/entries/${pending.id}/reject"`);
      expect(list.text).toMatch(new RegExp(`<label for="f-reason-${pending.id}">退回原因</label>`));
      expect(list.text).toContain('退回<span class="sr-only">：多付的场地费</span>');

      const blank = await boss.post(`${base}/entries/${pending.id}/reject`).type('form').send({ _csrf: csrfOf(list.text), reason: '   ' }).expect(400);
      expect(blank.text).toContain('请写明原因');
      expect(blank.text).toContain(`href="#f-reason-${pending.id}"`);
      expect((await entriesOf(entity.id, treasurer.auth)).find((entry: { id: string }) => entry.id === pending.id).status).toBe('pending_approval');

      const sent = await boss.post(`${base}/entries/${pending.id}/reject`).type('form').send({ _csrf: csrfOf(list.text), reason: ' 场地费已经付过了 ' }).expect(303);
      expect(sent.headers.location).toBe(`${base}/approvals?ok=rejected`);
      const after = await boss.get(sent.headers.location).expect(200);
      expect(after.text).toContain('已退回');
      expect(after.text).toContain('现在没有等待审批的账目');
      const entry = (await ctx.request().get(`/api/entities/${entity.id}/entries/${pending.id}`).set(treasurer.auth).expect(200)).body;
      expect(entry).toMatchObject({ status: 'rejected', rejectedBy: supervisor.id, rejectionReason: '场地费已经付过了', number: null });
      expect((await agent.get(base).expect(200)).text).toContain('最近 30 天有 1 笔账被监委会退回，没有入账。');

      const again = await boss.post(`${base}/entries/${pending.id}/reject`).type('form').send({ _csrf: csrfOf(list.text), reason: '再退一次' }).expect(409);
      expect(again.text).toContain('这笔账已经不在等待审批的状态');
      const approveAfter = await boss.post(`${base}/entries/${pending.id}/approve`).type('form').send({ _csrf: csrfOf(list.text) }).expect(409);
      expect(approveAfter.text).toContain('这笔账已经不在等待审批的状态');

      const mine = await agent.get(`${base}/entries`).expect(200);
      expect(mine.text).toContain('已退回');
      expect(mine.text).toContain('退回原因：场地费已经付过了');
      const closeToken = await formToken(agent, `${base}/close`);
      await agent.post(`${base}/close`).type('form').send({ _csrf: closeToken, period: '2026-03', confirm: '1' }).expect(303);
    });

    it('lets the treasurer withdraw their own pending payment from the entries list, and nobody else', async () => {
      const { agent, base, entity, treasurer } = await treasurerAgent(ctx, { approvalThreshold: '100.00' });
      await receive(ctx, treasurer, entity.id, '1000.00', { date: '2026-03-02' });
      const token = await formToken(agent, `${base}/payment`);
      await agent.post(`${base}/payment`).field('_csrf', token).field('amount', '300').field('payee', '电工').field('purpose', '记重了的维修费')
        .field('category', 'program').field('method', 'cash').field('date', '2026-03-10').expect(303);
      const pending = (await entriesOf(entity.id, treasurer.auth)).find((entry: { status: string }) => entry.status === 'pending_approval');

      const colleague = await createUser(ctx, [{ role: 'treasurer', entityId: entity.id }]);
      const other = ctx.request();
      await webLogin(other, colleague);
      const theirs = await other.get(`${base}/entries`).expect(200);
      expect(theirs.text).not.toContain(`${base}/entries/${pending.id}/withdraw`);
      const refused = await other.post(`${base}/entries/${pending.id}/withdraw`).type('form').send({ _csrf: csrfOf(theirs.text), reason: '不是我记的' }).expect(403);
      expect(refused.text).toContain('您没有做这件事的权限');

      const list = await agent.get(`${base}/entries`).expect(200);
      expect(list.text).toContain(`action="${base}/entries/${pending.id}/withdraw"`);
      const blank = await agent.post(`${base}/entries/${pending.id}/withdraw`).type('form').send({ _csrf: csrfOf(list.text) }).expect(400);
      expect(blank.text).toContain('请写明原因');
      expect(blank.text).toMatch(/<details class="refuse-form" open>/);
      // From a month's list, a refusal comes back to that month, the form open where it was.
      const march = await agent.get(`${base}/entries?month=2026-03`).expect(200);
      expect(march.text).toContain(`action="${base}/entries/${pending.id}/withdraw?month=2026-03"`);
      const blankInMarch = await agent.post(`${base}/entries/${pending.id}/withdraw?month=2026-03`).type('form').send({ _csrf: csrfOf(march.text) }).expect(400);
      expect(blankInMarch.text).toContain('<h1>2026年3月的账</h1>');
      expect(blankInMarch.text).toContain(`id="f-reason-${pending.id}"`);
      const done = await agent.post(`${base}/entries/${pending.id}/withdraw`).type('form').send({ _csrf: csrfOf(list.text), reason: '记重了' }).expect(303);
      expect(done.headers.location).toBe(`${base}/entries?ok=withdrawn`);
      const after = await agent.get(done.headers.location).expect(200);
      expect(after.text).toContain('已撤回');
      expect(after.text).toContain('撤回原因：记重了');
      expect(after.text).not.toContain(`${base}/entries/${pending.id}/withdraw`);
      const entry = (await ctx.request().get(`/api/entities/${entity.id}/entries/${pending.id}`).set(treasurer.auth).expect(200)).body;
      expect(entry).toMatchObject({ status: 'rejected', rejectedBy: treasurer.id, createdBy: treasurer.id, rejectionReason: '记重了' });
    });

    it('shows a Chinese 404 page for another station, and 403 for the wrong role', async () => {
      const { agent } = await treasurerAgent(ctx);
      const other = await stationWithStaff(ctx);
      const notFound = await agent.get(`/app/e/${other.entity.code}/receipt`).expect(404);
      expect(notFound.text).toContain('没有找到');
      const supervisorAgent = ctx.request();
      await webLogin(supervisorAgent, other.supervisor);
      const forbidden = await supervisorAgent.get(`/app/e/${other.entity.code}/receipt`).expect(403);
      expect(forbidden.text).toContain('您没有做这件事的权限');
    });
  });
});

describe('public pages', () => {
  const ctx = useTestContext({ clock: fixedClock('2026-03-15T10:00:00+08:00') });

  it('lists entities and shows an entity’s balances and charts without login, never a donor’s name', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx, { name: '南岸社区公益站' });
    await receive(ctx, treasurer, entity.id, '1200.00', { kind: 'parking', date: '2026-03-02' });
    await receive(ctx, treasurer, entity.id, '300.00', { kind: 'donation', date: '2026-03-03', payer: '张三丰' });
    await ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth).send({ date: '2026-03-04', amount: '80.00', method: 'cash', payee: '王五', purpose: '买菜', category: 'program' }).expect(201);

    const home = await ctx.request().get('/').expect(200);
    expect(home.text).toContain('南岸社区公益站');
    expect(home.text).toContain(`/e/${entity.code}`);

    const page = await ctx.request().get(`/e/${entity.code}`).expect(200);
    expect(page.text).toContain('¥1,420.00');
    expect(page.text).toContain('停车场公共收益');
    expect(page.text).toContain('<svg class="chart"');
    expect(page.text).toContain('未归属项目');
    expect(page.text).not.toContain('张三丰');
    expect(page.text).not.toContain('王五');
  });

  it('answers an unknown entity with a Chinese 404 page', async () => {
    const response = await ctx.request().get('/e/NO-SUCH').expect(404);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.text).toContain('没有找到');
  });
});
