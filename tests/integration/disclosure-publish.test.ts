import { execFileSync } from 'node:child_process';
import pg from 'pg';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SECTION_TITLES, type ReportModel } from '../../src/disclosure/model';
import { yuan as yuanOf } from '../../src/web/views';
import { renderReportPdf } from '../../src/disclosure/pdf';
import { canonicalJson } from '../../src/ledger/hash';
import { shanghaiDate } from '../../src/shared/clock';
import { useTestContext } from '../support/context';
import { grantScenario } from '../factories/grants';
import { receive, stationWithStaff, TestUser } from '../factories';
import { gatherReportInput } from '../../src/disclosure/input';
import { periodOf } from '../../src/disclosure/calendar';
import { findEntity } from '../../src/ledger/queries';

const ctx = useTestContext();

const sha256 = (bytes: Buffer): string => crypto.createHash('sha256').update(bytes).digest('hex');

/** supertest collects a binary body when told how. */
function binary(res: NodeJS.ReadableStream & { setEncoding: (e: string) => void; on: (event: string, cb: (chunk?: string) => void) => void }, callback: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.setEncoding('binary');
  res.on('data', (chunk?: string) => chunks.push(Buffer.from(chunk as string, 'binary')));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}

async function fetchPdf(url: string): Promise<{ status: number; headers: Record<string, string>; bytes: Buffer }> {
  const res = await ctx.request().get(url).buffer(true).parse(binary as never);
  return { status: res.status, headers: res.headers, bytes: res.body as Buffer };
}

function pdfText(bytes: Buffer): { text: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disclosure-it-'));
  const file = path.join(dir, 'report.pdf');
  fs.writeFileSync(file, bytes);
  return { text: execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/[ \t]+/g, ' '), file };
}

/** A realistic first quarter: parking, recycling, masked, anonymous, consenting and company donors, a restricted gift partly spent, a reversal. */
async function stationQuarter(name: string) {
  const staff = await stationWithStaff(ctx, { name });
  const { entity, treasurer } = staff;
  const as = (user: TestUser) => ({ post: (url: string, body: object) => ctx.request().post(`/api/entities/${entity.id}${url}`).set(user.auth).send(body) });
  const t = as(treasurer);
  const ok = async (promise: PromiseLike<{ status: number; body: { id: string; number: string } }>) => {
    const res = await promise;
    expect([200, 201]).toContain(res.status);
    return res.body;
  };
  await ok(t.post('/funds', { code: 'LIGHTS', name: '路灯维修专项捐赠', restricted: true, purpose: '物业公司定向捐赠，用于小区路灯维修' }));
  const project = await ok(t.post('/projects', { code: 'STREETLIGHT', name: '路灯维修' }));
  await ok(t.post('/receipts', { kind: 'parking', date: '2026-01-05', amount: '1200.00', method: 'cash' }));
  await ok(t.post('/receipts', { kind: 'donation', date: '2026-01-10', amount: '500.00', method: 'cash', payer: '张三丰' }));
  await ok(t.post('/receipts', { kind: 'donation', date: '2026-01-12', amount: '200.00', method: 'bank', payer: '李四海', anonymous: true }));
  await ok(t.post('/receipts', { kind: 'donation', date: '2026-01-14', amount: '10.00', method: 'cash', anonymous: true }));
  await ok(t.post('/receipts', { kind: 'donation', date: '2026-01-20', amount: '3000.00', method: 'bank', payer: '重庆渝南物业有限公司', fundCode: 'LIGHTS' }));
  const repair = await ok(t.post('/payments', { date: '2026-02-03', amount: '1800.00', method: 'bank', payee: '刘建华', purpose: '更换路灯灯泡', category: 'program', projectId: project.id, fundCode: 'LIGHTS' }));
  await ok(t.post('/payments', { date: '2026-02-08', amount: '150.50', method: 'cash', payee: '社区文具店', purpose: '购买记账本', category: 'admin' }));
  await ok(t.post('/receipts', { kind: 'recycling', date: '2026-02-15', amount: '86.00', method: 'cash' }));
  await ok(t.post('/receipts', { kind: 'donation', date: '2026-03-02', amount: '100.00', method: 'cash', payer: '王五', nameConsent: true }));
  const duplicate = await ok(t.post('/receipts', { kind: 'parking', date: '2026-03-05', amount: '50.00', method: 'cash' }));
  await ok(t.post(`/entries/${duplicate.id}/reverse`, { date: '2026-03-06', reason: '重复登记，冲销' }));
  await ok(t.post('/reconciliations', { date: '2026-03-31', cashCounted: '1745.50', bankStatementBalance: '1400.00', note: '账实相符' }));
  return { ...staff, repair };
}

/**
 * A station's first month, in which money moves without being income or expense: the books
 * open with money brought in, cash goes to the bank, an expense is bought on credit and a
 * deposit is prepaid. Closed and published as 2026-01.
 */
async function openingMonthPublished(name: string, options: { companyGift?: boolean } = {}) {
  const staff = await stationWithStaff(ctx, { name });
  const { entity, treasurer } = staff;
  const post = async (url: string, body: object) => {
    const res = await ctx.request().post(`/api/entities/${entity.id}${url}`).set(treasurer.auth).send(body);
    expect([res.status, res.body.detail]).toEqual([201, undefined]);
  };
  await post('/entries', { date: '2026-01-02', memo: '期初建账：接收原账户结余', lines: [{ accountCode: '1001', debit: '3000.00' }, { accountCode: '1002', debit: '17000.00' }, { accountCode: '3101', credit: '20000.00' }] });
  await post('/receipts', { kind: 'parking', date: '2026-01-05', amount: '1200.00', method: 'cash' });
  await post('/receipts', { kind: 'donation', date: '2026-01-10', amount: '800.00', method: 'bank', payer: '张三丰' });
  await post('/entries', { date: '2026-01-12', memo: '现金存入银行', lines: [{ accountCode: '1002', debit: '2500.00' }, { accountCode: '1001', credit: '2500.00' }] });
  await post('/entries', { date: '2026-01-15', memo: '购买灭火器，货款未付', lines: [{ accountCode: '5101', debit: '600.00' }, { accountCode: '2202', credit: '600.00' }] });
  await post('/payments', { date: '2026-01-20', amount: '150.50', method: 'cash', payee: '社区文具店', purpose: '文具', category: 'admin' });
  await post('/entries', { date: '2026-01-25', memo: '预付活动场地押金', lines: [{ accountCode: '1141', debit: '1000.00' }, { accountCode: '1002', credit: '1000.00' }] });
  if (options.companyGift) await post('/receipts', { kind: 'donation', date: '2026-01-28', amount: '100.00', method: 'bank', payer: '重庆渝南物业有限公司' });
  await closeMonths(entity.id, treasurer, ['2026-01']);
  const published = await ctx.request().post(`/api/entities/${entity.id}/disclosures`).set(treasurer.auth).send({ period: '2026-01' });
  expect([published.status, published.body.detail]).toEqual([201, undefined]);
  return { ...staff, published: published.body as { id: string; entityId: string; dataSha256: string; pdfSha256: string } };
}

async function closeMonths(entityId: string, treasurer: TestUser, months: string[]) {
  for (const month of months) {
    const res = await ctx.request().post(`/api/entities/${entityId}/periods/${month}/close`).set(treasurer.auth);
    expect(res.status).toBe(200);
  }
}

describe('POST /api/entities/:entityId/disclosures', () => {
  it('refuses while a month is open, then publishes a frozen PDF with the exact figures and masked donors', async () => {
    const { entity, treasurer } = await stationQuarter('阳光测试公益站');
    await closeMonths(entity.id, treasurer, ['2026-01']);
    const refused = await ctx.request().post(`/api/entities/${entity.id}/disclosures`).set(treasurer.auth).send({ period: '2026-Q1' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'period_not_closed', openMonths: ['2026-02', '2026-03'] });
    // The last year a date can name: its twelve months are counted, not looped past 9999-12.
    const far = await ctx.request().post(`/api/entities/${entity.id}/disclosures`).set(treasurer.auth).send({ period: '9999' });
    expect(far.status).toBe(409);
    expect(far.body.openMonths).toHaveLength(12);
    const nothing = await ctx.request().get(`/api/public/disclosures?entityId=${entity.id}`);
    expect(nothing.body.items).toEqual([]);

    await closeMonths(entity.id, treasurer, ['2026-02', '2026-03']);
    const published = await ctx.request().post(`/api/entities/${entity.id}/disclosures`).set(treasurer.auth).send({ period: '2026-Q1' });
    expect([published.status, published.body.detail]).toEqual([201, undefined]);
    expect(published.body).toMatchObject({ entityId: entity.id, period: '2026-Q1', periodKind: 'quarter', version: 1, supersedesId: null, countersigned: false, latest: true });
    const { id, pdfSha256, dataSha256 } = published.body;

    const pdf = await fetchPdf(`/api/public/disclosures/${id}/pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers.etag).toBe(`"${pdfSha256}"`);
    expect(pdf.headers['cache-control']).toContain('immutable');
    expect(pdf.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('阳光测试公益站')}`);
    expect(sha256(pdf.bytes)).toBe(pdfSha256);
    const notModified = await ctx.request().get(`/api/public/disclosures/${id}/pdf`).set('If-None-Match', `"${pdfSha256}"`);
    expect(notModified.status).toBe(304);

    const { text, file } = pdfText(pdf.bytes);
    const squashed = text.replace(/\s+/g, '');
    for (const expected of ['阳光测试公益站', '2026年第1季度财务公开报告', ...Object.values(SECTION_TITLES).filter((t) => !['资产负债表', '业务活动表', '资助项目'].includes(t)), dataSha256]) {
      expect(squashed).toContain(expected);
    }
    // Hand-computed: income 1200 + 500 + 200 + 10 + 3000 + 86 + 100 + 50 − 50 = 5096.00, of which
    // 3000.00 restricted; expense 1800.00 + 150.50 = 1950.50; money 0.00 → 3145.50.
    expect(text).toMatch(/收入合计 2096\.00 3000\.00 5096\.00/);
    expect(text).toMatch(/支出合计 1950\.50/);
    expect(text).toMatch(/货币资金合计 0\.00 3145\.50/);
    expect(squashed).toContain('限定性净资产转为非限定性净资产：1800.00');
    expect(squashed).toContain('重复登记，冲销');
    expect(text).toContain('张*');
    expect(text).toContain('匿名');
    expect(text).toContain('王五');
    expect(text).toContain('刘*');
    // A company that gave without agreeing to be named is masked like a person (API.md).
    expect(text).toContain('重*');
    for (const hidden of ['张三丰', '李四海', '刘建华', '重庆渝南物业有限公司']) expect(text).not.toContain(hidden);

    const fonts = execFileSync('pdffonts', [file], { encoding: 'utf8' }).split('\n').slice(2).filter(Boolean);
    expect(fonts.some((row) => /^[A-Z]{6}\+NotoSansSC/.test(row) && /\byes\s+yes\b/.test(row))).toBe(true);

    const json = await ctx.request().get(`/api/public/disclosures/${id}`);
    expect(json.status).toBe(200);
    expect(json.body.summary).toMatchObject({ openingBalance: '0.00', income: '5096.00', expense: '1950.50', closingBalance: '3145.50' });
    expect(json.body.verification.dataSha256).toBe(dataSha256);
    expect(json.body.disclosure).toMatchObject({ id, version: 1, latest: true, pdfSha256 });
    for (const hidden of ['张三丰', '李四海', '刘建华', '重庆渝南物业有限公司']) expect(JSON.stringify(json.body)).not.toContain(hidden);
    // An anonymous gift is 匿名 with a name (李四海) and without one.
    const rows = json.body.entries.rows as { date: string; counterparty: string | null }[];
    expect(rows.filter((row) => row.counterparty === '匿名').map((row) => row.date)).toEqual(['2026-01-12', '2026-01-14']);

    const verified = await ctx.request().get(`/api/public/disclosures/${id}/verify`);
    expect(verified.body).toMatchObject({ ok: true, dataMatches: true, pdfSha256Matches: true, chainOk: true, chainCoversSnapshot: true, firstBad: null });
  });

  it('republishing makes version 2 naming version 1, and leaves version 1 byte for byte', async () => {
    const { entity, treasurer } = await stationQuarter('republish station');
    await closeMonths(entity.id, treasurer, ['2026-01', '2026-02', '2026-03']);
    const first = await ctx.request().post(`/api/entities/${entity.id}/disclosures`).set(treasurer.auth).send({ period: '2026-03' });
    expect([first.status, first.body.detail]).toEqual([201, undefined]);
    const before = await fetchPdf(`/api/public/disclosures/${first.body.id}/pdf`);
    expect((await ctx.request().get(`/api/public/disclosures/${first.body.id}`)).body.disclosure.latest).toBe(true);

    const second = await ctx.request().post(`/api/entities/${entity.id}/disclosures`).set(treasurer.auth).send({ period: '2026-03', reason: '补充对账说明' });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ version: 2, supersedesId: first.body.id, supersedeReason: '补充对账说明', latest: true });
    const report = await ctx.request().get(`/api/public/disclosures/${second.body.id}`);
    expect(report.body.title.supersedesNote).toBe('本版本替代第 1 版，原因：补充对账说明');
    expect(pdfText((await fetchPdf(`/api/public/disclosures/${second.body.id}/pdf`)).bytes).text.replace(/\s+/g, '')).toContain('本版本替代第1版，原因：补充对账说明');

    const list = await ctx.request().get(`/api/public/disclosures?entityId=${entity.id}`);
    expect(list.body.items.map((d: { version: number; latest: boolean }) => [d.version, d.latest])).toEqual([[2, true], [1, false]]);
    const old = await fetchPdf(`/api/public/disclosures/${first.body.id}/pdf`);
    expect(sha256(old.bytes)).toBe(first.body.pdfSha256);
    expect(old.bytes.equals(before.bytes)).toBe(true);
    expect((await ctx.request().get(`/api/public/disclosures/${first.body.id}`)).body.disclosure.latest).toBe(false);
  });

  it('publishes each of several publications of one period sent at once, as consecutive versions', async () => {
    const { entity, treasurer } = await stationQuarter('concurrent publications');
    await closeMonths(entity.id, treasurer, ['2026-01', '2026-02', '2026-03']);
    const sent = await Promise.all([1, 2, 3, 4].map(() => ctx.request().post(`/api/entities/${entity.id}/disclosures`).set(treasurer.auth).send({ period: '2026-03' })));
    expect(sent.map((response) => [response.status, response.body.code])).toEqual([[201, undefined], [201, undefined], [201, undefined], [201, undefined]]);
    const byVersion = sent.map((response) => response.body).sort((a, b) => a.version - b.version);
    expect(byVersion.map((d) => d.version)).toEqual([1, 2, 3, 4]);
    expect(byVersion.map((d) => d.supersedesId)).toEqual([null, byVersion[0].id, byVersion[1].id, byVersion[2].id]);
    for (const { id } of byVersion) {
      expect((await ctx.request().get(`/api/public/disclosures/${id}/verify`)).body).toMatchObject({ ok: true, dataMatches: true, pdfSha256Matches: true });
    }
  });

  it('refuses a malformed period with 400', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    for (const period of ['2026-Q5', '2026-13', '26', 2026]) {
      const res = await ctx.request().post(`/api/entities/${entity.id}/disclosures`).set(treasurer.auth).send({ period });
      expect(res.status).toBe(400);
    }
  });

  it('lets only the treasurer publish', async () => {
    const { entity, supervisor } = await stationWithStaff(ctx);
    const res = await ctx.request().post(`/api/entities/${entity.id}/disclosures`).set(supervisor.auth).send({ period: '2026-01' });
    expect(res.status).toBe(403);
  });
});

describe('POST /api/disclosures/:id/countersign', () => {
  it('lets the supervisor countersign once; the countersigned PDF shows it and the original stays', async () => {
    const { entity, treasurer, supervisor } = await stationQuarter('countersign station');
    await closeMonths(entity.id, treasurer, ['2026-01']);
    const published = await ctx.request().post(`/api/entities/${entity.id}/disclosures`).set(treasurer.auth).send({ period: '2026-01' });
    const { id, pdfSha256 } = published.body;
    // Read (and so stored by the service) before the countersignature, which must show at once.
    expect((await ctx.request().get(`/api/public/disclosures/${id}`)).body.review).toMatchObject({ countersigned: false });

    const byTreasurer = await ctx.request().post(`/api/disclosures/${id}/countersign`).set(treasurer.auth).send({});
    expect(byTreasurer.status).toBe(403);
    const signed = await ctx.request().post(`/api/disclosures/${id}/countersign`).set(supervisor.auth).send({ note: '已核对凭证' });
    expect(signed.status).toBe(200);
    expect(signed.body).toMatchObject({ countersigned: true, countersignature: { note: '已核对凭证' }, pdfSha256 });
    const twice = await ctx.request().post(`/api/disclosures/${id}/countersign`).set(supervisor.auth).send({});
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('already_countersigned');

    const json = await ctx.request().get(`/api/public/disclosures/${id}`);
    expect(json.body.review).toMatchObject({ countersigned: true, statusText: '已审核', note: '已核对凭证' });
    const original = await fetchPdf(`/api/public/disclosures/${id}/pdf`);
    expect(sha256(original.bytes)).toBe(pdfSha256);
    const countersigned = await fetchPdf(`/api/public/disclosures/${id}/pdf/countersigned`);
    expect(countersigned.status).toBe(200);
    expect(sha256(countersigned.bytes)).toBe(signed.body.countersignature.pdfSha256);
    const text = pdfText(countersigned.bytes).text.replace(/\s+/g, '');
    expect(text).toContain(`监委会审核：${supervisor.actor.displayName}`);
    expect(text).toContain('已核对凭证');
    expect((await ctx.request().get(`/api/public/disclosures/${id}/verify`)).body).toMatchObject({ ok: true, countersignedPdfSha256Matches: true });
  });

  it('shows a countersignature made by another process within a second', async () => {
    const { entity, treasurer, supervisor } = await stationQuarter('other process station');
    await closeMonths(entity.id, treasurer, ['2026-01']);
    const { id } = (await ctx.request().post(`/api/entities/${entity.id}/disclosures`).set(treasurer.auth).send({ period: '2026-01' }).expect(201)).body;
    expect((await ctx.request().get(`/api/public/disclosures/${id}`)).body.review).toMatchObject({ countersigned: false });
    const pdf = Buffer.from('%PDF-1.7 signed elsewhere');
    await ctx.db('disclosures').where({ id }).update({
      countersigned_by: supervisor.id, countersigned_by_name: supervisor.actor.displayName, countersigned_at: new Date(), countersign_note: '另一进程',
      pdf_countersigned: pdf, pdf_countersigned_sha256: sha256(pdf),
    });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await ctx.request().get(`/api/public/disclosures/${id}`)).body.review).toMatchObject({ countersigned: true, note: '另一进程' });
  });
});

describe('GET /api/public/disclosures/:id/verify', () => {
  it('answers presses of 验证 that arrive together with one check, and checks different reports one after the other', async () => {
    const { entity, treasurer } = await stationQuarter('busy verify station');
    await closeMonths(entity.id, treasurer, ['2026-01', '2026-02', '2026-03']);
    const january = (await ctx.request().post(`/api/entities/${entity.id}/disclosures`).set(treasurer.auth).send({ period: '2026-01' }).expect(201)).body.id;
    const quarter = (await ctx.request().post(`/api/entities/${entity.id}/disclosures`).set(treasurer.auth).send({ period: '2026-Q1' }).expect(201)).body.id;
    // Each walk of the chain starts with a read of the entries after chain index 0.
    const query = pg.Client.prototype.query as (this: pg.Client, ...args: unknown[]) => unknown;
    let walks = 0;
    let walking = 0;
    let mostAtOnce = 0;
    const spy = jest.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
      const config = args[0] as { text?: string; values?: unknown[] } | string;
      const text = typeof config === 'string' ? config : config?.text ?? '';
      if (text.includes('order by "chain_index"') && typeof config !== 'string' && config.values?.includes('0')) {
        walks += 1;
        walking += 1;
        mostAtOnce = Math.max(mostAtOnce, walking);
        const done = () => setTimeout(() => (walking -= 1), 5);
        const callback = args[args.length - 1];
        if (typeof callback === 'function') {
          // knex passes a callback
          return query.apply(this, [...args.slice(0, -1), (...results: unknown[]) => (done(), callback(...results))]) as never;
        }
        return (query.apply(this, args) as Promise<unknown>).finally(done) as never;
      }
      return query.apply(this, args) as never;
    });
    try {
      const presses = [january, january, january, quarter, quarter, quarter].map((id) => ctx.request().get(`/api/public/disclosures/${id}/verify`));
      const answers = await Promise.all(presses);
      expect(answers.map((answer) => [answer.status, answer.body.ok])).toEqual(answers.map(() => [200, true]));
      expect(walks).toBe(2);
      expect(mostAtOnce).toBe(1);
      // A press after the answer checks again: nothing is kept.
      await ctx.request().get(`/api/public/disclosures/${january}/verify`).expect(200);
      expect(walks).toBe(3);
    } finally {
      spy.mockRestore();
    }
  });

  it('finds a ledger row changed behind the service and names the entry that breaks the chain', async () => {
    const { entity, treasurer, repair } = await stationQuarter('tamper station');
    await closeMonths(entity.id, treasurer, ['2026-01', '2026-02', '2026-03']);
    const published = await ctx.request().post(`/api/entities/${entity.id}/disclosures`).set(treasurer.auth).send({ period: '2026-Q1' });
    expect((await ctx.request().get(`/api/public/disclosures/${published.body.id}/verify`)).body.ok).toBe(true);

    // Someone with database access shrinks the repair payment on both of its lines, so the
    // entry still balances and only the hashes can tell.
    await ctx.db.transaction(async (tx) => {
      await tx.raw('set local session_replication_role = replica');
      await tx.raw(`update entry_lines set debit = case when debit is null then null else 800.00 end, credit = case when credit is null then null else 800.00 end where entry_id = ?`, [repair.id]);
    });

    const res = await ctx.request().get(`/api/public/disclosures/${published.body.id}/verify`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: false, dataMatches: false, pdfSha256Matches: true, snapshotIntact: true, chainOk: false });
    expect(res.body.firstBad).toMatchObject({ id: repair.id, number: repair.number });
    expect(res.body.differingSections).toEqual(expect.arrayContaining(['summary', 'expenses']));
    // The snapshot itself still says what was published.
    expect((await ctx.request().get(`/api/public/disclosures/${published.body.id}`)).body.summary.expense).toBe('1950.50');
  });
});

describe('a foundation\'s year', () => {
  it('lists each grant as it stood at the year\'s end: closed, reporting or in progress', async () => {
    const s = await grantScenario(ctx);
    const closed = await s.application('reporting');
    await ctx.request().post(`/api/applications/${closed.id}/close`).set(s.gm.auth).send({}).expect(200);
    const reporting = await s.application('reporting');
    const active = await s.application('active');
    // This year by the wall clock, which the workflow's history is written with: the year's
    // report is published before the year ends.
    const year = shanghaiDate(new Date()).slice(0, 4);
    const months = Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`);
    await closeMonths(s.foundationId, s.foundation.treasurer, months.slice(0, 11));
    await ctx.request().post(`/api/entities/${s.foundationId}/periods/${year}-12/close`).set(s.foundation.treasurer.auth).expect(200);
    const published = await ctx.request().post(`/api/entities/${s.foundationId}/disclosures`).set(s.foundation.treasurer.auth).send({ period: year });
    expect([published.status, published.body.detail]).toEqual([201, undefined]);
    const json = (await ctx.request().get(`/api/public/disclosures/${published.body.id}`).expect(200)).body;
    const labels = new Map((json.grants.rows as { id: string; statusLabel: string }[]).map((row) => [row.id, row.statusLabel]));
    expect([labels.get(closed.id), labels.get(reporting.id), labels.get(active.id)]).toEqual(['已结项', '结项中', '执行中']);
    expect((await ctx.request().get(`/api/public/disclosures/${published.body.id}/verify`)).body).toMatchObject({ ok: true, dataMatches: true });
    // The year was published before it ended; a grant closed afterwards leaves the report as it was.
    await ctx.request().post(`/api/applications/${reporting.id}/close`).set(s.gm.auth).send({}).expect(200);
    expect((await ctx.request().get(`/api/public/disclosures/${published.body.id}/verify`)).body).toMatchObject({ ok: true, dataMatches: true });
  });
});

describe('对账 when entries are posted after a count', () => {
  it('keeps the count as recorded and says what the books show for its day now, in the JSON, the web page and the PDF; a count nothing followed says nothing more', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx, { name: '盘点测试公益站' });
    const post = (url: string, body: object) => ctx.request().post(`/api/entities/${entity.id}${url}`).set(treasurer.auth).send(body);
    await post('/receipts', { kind: 'parking', date: '2026-01-05', amount: '1200.00', method: 'cash' }).expect(201);
    await post('/reconciliations', { date: '2026-01-10', cashCounted: '1200.00', bankStatementBalance: '0.00' }).expect(201);
    await post('/reconciliations', { date: '2026-01-20', cashCounted: '1200.00', bankStatementBalance: '0.00' }).expect(201);
    // After the count of the 20th: money dated that very day, and a receipt found later dated the 8th.
    await post('/receipts', { kind: 'recycling', date: '2026-01-20', amount: '35.00', method: 'cash' }).expect(201);
    await post('/receipts', { kind: 'donation', date: '2026-01-08', amount: '500.00', method: 'bank' }).expect(201);
    await closeMonths(entity.id, treasurer, ['2026-01']);
    const published = await post('/disclosures', { period: '2026-01' });
    expect([published.status, published.body.detail]).toEqual([201, undefined]);
    const json = (await ctx.request().get(`/api/public/disclosures/${published.body.id}`).expect(200)).body;
    const [tenth, twentieth] = json.reconciliations.rows;
    expect(tenth).toMatchObject({ date: '2026-01-10', cashBook: '1200.00', bankBook: '0.00', balanced: true });
    expect(tenth.laterEntries).toBe('盘点之后又记了日期在当天或以前的账：按现在的账，当天现金账面 1200.00 元、银行账面 500.00 元。上表是盘点时的账面和差额。');
    expect(twentieth).toMatchObject({ cashBook: '1200.00', cashDifference: '0.00', balanced: true });
    expect(twentieth.laterEntries).toContain('当天现金账面 1235.00 元、银行账面 500.00 元');
    expect([tenth.booksNow, twentieth.booksNow]).toEqual([{ cash: '1200.00', bank: '500.00' }, { cash: '1235.00', bank: '500.00' }]);
    expect((await ctx.request().get(`/reports/${published.body.id}`).expect(200)).text).toContain('按现在的账，当天现金账面 ¥1,235.00、银行账面 ¥500.00。');
    const pdf = await fetchPdf(`/api/public/disclosures/${published.body.id}/pdf`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'later-'));
    fs.writeFileSync(path.join(dir, 'r.pdf'), pdf.bytes);
    const text = execFileSync('pdftotext', ['-layout', path.join(dir, 'r.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
    expect(text).toContain('按现在的账，当天现金账面1235.00元');
    expect((await ctx.request().get(`/api/public/disclosures/${published.body.id}/verify`)).body).toMatchObject({ ok: true, dataMatches: true });

    // A count with nothing after it carries no such sentence.
    await post('/reconciliations', { date: '2026-02-02', cashCounted: '1235.00', bankStatementBalance: '500.00' }).expect(201);
    await closeMonths(entity.id, treasurer, ['2026-02']);
    const february = await post('/disclosures', { period: '2026-02' }).expect(201);
    const row = (await ctx.request().get(`/api/public/disclosures/${february.body.id}`).expect(200)).body.reconciliations.rows[0];
    expect([row.balanced, 'laterEntries' in row, 'booksNow' in row]).toEqual([true, false, false]);
  });
});

describe('a foundation\'s year with a grant entered after the fact', () => {
  it('lists the grant in the year its money moved, though its decision was recorded later (format 4); format 3 rebuilds without it', async () => {
    const s = await grantScenario(ctx);
    // Last year's paper records entered now: the money came in and went out in 2025, the
    // decision is recorded today.
    await receive(ctx, s.foundation.treasurer, s.foundationId, '1000.00', { date: '2025-01-10', method: 'bank', kind: 'donation' });
    const grant = await s.application('reviewed');
    await ctx.request().post(`/api/applications/${grant.id}/decision`).set(s.gm.auth)
      .send({ decision: 'approved', amount: '300.00', tranches: [{ amount: '300.00', condition: 'on_signing' }], reason: '补录2025年的资助' }).expect(200);
    await ctx.request().post(`/api/applications/${grant.id}/disbursements`).set(s.gm.auth).send({ amount: '250.00', date: '2025-06-01', method: 'bank' }).expect(201);
    await closeMonths(s.foundationId, s.foundation.treasurer, Array.from({ length: 12 }, (_, i) => `2025-${String(i + 1).padStart(2, '0')}`));
    const published = await ctx.request().post(`/api/entities/${s.foundationId}/disclosures`).set(s.foundation.treasurer.auth).send({ period: '2025' });
    expect([published.status, published.body.detail]).toEqual([201, undefined]);
    const json = (await ctx.request().get(`/api/public/disclosures/${published.body.id}`).expect(200)).body;
    expect(json.schemaVersion).toBe(5);
    expect(json.grants.rows).toEqual([expect.objectContaining({ id: grant.id, amountAwarded: '300.00', amountDisbursed: '250.00', statusLabel: '执行中' })]);
    expect(json.summary.expense).toBe('250.00');
    expect((await ctx.request().get(`/api/public/disclosures/${published.body.id}/verify`)).body).toMatchObject({ ok: true, dataMatches: true });
    // The web page shows what the JSON and the PDF carry for a foundation's year: both statements and the grants.
    const page = (await ctx.request().get(`/reports/${published.body.id}`).expect(200)).text;
    for (const title of [SECTION_TITLES.balanceSheet, SECTION_TITLES.activityStatement, SECTION_TITLES.grants]) expect(page).toContain(`>${title}</h2>`);
    expect(page).toContain(`${json.balanceSheet.totalLiabilitiesAndNetAssets.label}</th><td class="num" data-label="年初数">${yuanOf(json.balanceSheet.totalLiabilitiesAndNetAssets.yearStart)}</td>`);
    expect(page).toMatch(new RegExp(`楼栋互助花园</th>.*?¥300\\.00</td><td class="num" data-label="拨付净额">¥250\\.00</td><td data-label="状态"><span class="tag">执行中</span>`));
    // A year published in format 3 is rebuilt as it was: grants decided by the year's end only.
    const entity = (await findEntity(ctx.db, s.foundationId))!;
    const fields = { publishedAt: new Date().toISOString(), version: 1, supersedes: null, countersignature: null, verification: undefined } as never;
    const asFormat = async (schemaVersion: 3 | 4) => (await gatherReportInput(ctx.db, entity, periodOf('2025'), { ...(fields as object), schemaVersion } as never)).grants;
    expect(await asFormat(3)).toEqual([]);
    expect((await asFormat(4))!.map((g) => g.id)).toEqual([grant.id]);
  });
});

describe('收支概况 when money moves without income or expense', () => {
  it('publishes 其他资金变动 so opening + income − expense + other = closing, in the JSON, the PDF and the web page', async () => {
    const { published, treasurer } = await openingMonthPublished('新建测试公益站');
    const json = (await ctx.request().get(`/api/public/disclosures/${published.id}`).expect(200)).body;
    expect(json.schemaVersion).toBe(5);
    // Hand-computed: income 1200.00 + 800.00; expense 600.00 (unpaid) + 150.50; money 0.00 →
    // cash 3000.00 + 1200.00 − 2500.00 − 150.50 = 1549.50, bank 17000.00 + 800.00 + 2500.00 −
    // 1000.00 = 19300.00; other = 20000.00 + 600.00 − 1000.00; the transfer shows nowhere.
    expect(json.summary).toMatchObject({
      openingBalance: '0.00',
      income: '2000.00',
      expense: '750.50',
      otherMovements: { label: '其他资金变动', total: '19600.00' },
      closingBalance: '20849.50',
    });
    const rows = json.summary.otherMovements.rows as { kind: string; amount: string }[];
    expect(rows.map((row) => `${row.kind} ${row.amount}`)).toEqual(['net_assets 20000.00', 'liability 600.00', 'asset -1000.00']);

    const { text } = pdfText((await fetchPdf(`/api/public/disclosures/${published.id}/pdf`)).bytes);
    expect(text.replace(/\s+/g, '')).toContain('0.002000.00750.5019600.0020849.50');
    expect(text).toMatch(/其他资金变动合计 19600\.00/);
    expect(text).toMatch(/应收、预付款项变动（如借出、预付、收回） -1000\.00/);

    const page = (await ctx.request().get(`/reports/${published.id}`).expect(200)).text;
    for (const expected of ['其他资金变动', '¥19,600.00', '其中：净资产直接变动（如期初建账）', '-¥1,000.00', '¥20,849.50']) expect(page).toContain(expected);

    expect((await ctx.request().get(`/api/public/disclosures/${published.id}/verify`)).body).toMatchObject({ ok: true, dataMatches: true });
    // Sub-accounts added after publishing change no row of the frozen report: the rows are
    // 1001, 1002 and 1009 with everything under them.
    expect(json.summary.monetaryAccounts.map((row: { accountCode: string; closing: string }) => `${row.accountCode} ${row.closing}`)).toEqual(['1001 1549.50', '1002 19300.00', '1009 0.00']);
    for (const [code, name, parentCode] of [['100901', '微信', '1009'], ['100902', '支付宝', '1009']]) {
      await ctx.request().post(`/api/entities/${published.entityId}/accounts`).set(treasurer.auth).send({ code, name, parentCode }).expect(201);
    }
    expect((await ctx.request().get(`/api/public/disclosures/${published.id}/verify`)).body).toMatchObject({ ok: true, dataMatches: true });
  });

  it('a report published in format 1 (before 其他资金变动) still verifies, shows and countersigns as it was', async () => {
    const { published, supervisor } = await openingMonthPublished('旧版报告公益站', { companyGift: true });
    // Turn the snapshot into what the code before format 2 froze for the same books: no
    // other movements, the old note, a company that gave without consent shown in full (the
    // rule then), its own data hash and PDF.
    const { data } = await ctx.db('disclosures').where({ id: published.id }).first('data');
    const { otherMovements, ...summary } = (data as ReportModel).summary;
    expect(otherMovements?.total).toBe('19600.00');
    const entries = (data as ReportModel).entries;
    expect(entries.rows.filter((row) => row.counterparty === '重*')).toHaveLength(1);
    const unhashed = {
      ...(data as ReportModel),
      schemaVersion: 1 as const,
      summary: { ...summary, note: '货币资金 = 现金 + 银行存款 + 其他货币资金（微信、支付宝余额）；年终结转不计入本期收入和支出。' },
      entries: { ...entries, rows: entries.rows.map((row) => (row.counterparty === '重*' ? { ...row, counterparty: '重庆渝南物业有限公司' } : row)) },
      verification: { ...(data as ReportModel).verification, dataSha256: null },
    };
    const dataSha256 = crypto.createHash('sha256').update(canonicalJson(unhashed)).digest('hex');
    const formatOne: ReportModel = { ...unhashed, verification: { ...unhashed.verification, dataSha256 } };
    const pdf = await renderReportPdf(formatOne);
    await ctx.db.transaction(async (tx) => {
      await tx.raw('set local session_replication_role = replica');
      await tx('disclosures').where({ id: published.id }).update({ data: formatOne, data_sha256: dataSha256, pdf, pdf_sha256: sha256(pdf) });
    });

    const verified = (await ctx.request().get(`/api/public/disclosures/${published.id}/verify`)).body;
    expect(verified).toMatchObject({ ok: true, dataMatches: true, recomputedDataSha256: dataSha256, differingSections: [], dataProblem: null, snapshotIntact: true });
    const json = (await ctx.request().get(`/api/public/disclosures/${published.id}`).expect(200)).body;
    expect([json.schemaVersion, json.summary.otherMovements, json.summary.closingBalance]).toEqual([1, undefined, '20949.50']);
    expect((await ctx.request().get(`/reports/${published.id}`).expect(200)).text).not.toContain('其他资金变动');

    await ctx.request().post(`/api/disclosures/${published.id}/countersign`).set(supervisor.auth).send({}).expect(200);
    const signed = pdfText((await fetchPdf(`/api/public/disclosures/${published.id}/pdf/countersigned`)).bytes).text;
    expect(signed).toMatch(/货币资金合计 0\.00 20949\.50/);
    expect(signed).not.toContain('其他资金变动');
    expect((await ctx.request().get(`/api/public/disclosures/${published.id}/verify`)).body).toMatchObject({ ok: true, dataMatches: true });
  });
});
