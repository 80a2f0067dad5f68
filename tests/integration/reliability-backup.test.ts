/**
 * Backup and restore: a book with receipts, payments, a reversal, a pending entry, a rejected
 * entry, a restricted fund, a project, a closed month, a reconciliation and an attachment is backed
 * up and restored into an empty, freshly migrated database; the restored books must give the
 * same trial balances, entries and hash-chain heads, and keep working (gapless numbering
 * continues). Once through the library, once through `npm run backup` / `npm run restore`.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import supertest from 'supertest';
import type { Knex } from 'knex';
import { buildApp } from '../../src/app';
import { backupToFile, restoreFromFile } from '../../src/db/backup';
import { createLogger } from '../../src/shared/logger';
import { createTestDatabase, useTestContext } from '../support/context';
import { receive, stationWithStaff, TestUser } from '../factories';

jest.setTimeout(110_000);

const run = promisify(execFile);
const ctx = useTestContext();
let dir: string;
const drops: (() => Promise<void>)[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-backup-'));
});
afterAll(async () => {
  for (const drop of drops) await drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function seedBook() {
  const staff = await stationWithStaff(ctx, { approvalThreshold: '2000.00' });
  const { entity, treasurer, supervisor } = staff;
  const api = (method: 'post' | 'get', url: string, user: TestUser = treasurer) => ctx.request()[method](`/api/entities/${entity.id}${url}`).set(user.auth);
  expect((await api('post', '/funds').send({ code: 'LAMP', name: '路灯维修专项', restricted: true, purpose: '路灯' })).status).toBe(201);
  const project = await api('post', '/projects').send({ code: 'FEAST-2026', name: '百家宴 2026' });
  await receive(ctx, treasurer, entity.id, '11000.00', { date: '2026-01-05', kind: 'parking' });
  await receive(ctx, treasurer, entity.id, '3000.00', { date: '2026-01-06', kind: 'donation', fundCode: 'LAMP', payer: '张三', method: 'bank' });
  const payment = await api('post', '/payments').send({ date: '2026-01-10', amount: '1234.56', method: 'cash', payee: '饭店', purpose: '百家宴', category: 'program', projectId: project.body.id });
  expect(payment.status).toBe(201);
  expect((await api('post', '/payments').send({ date: '2026-01-12', amount: '800.00', method: 'bank', payee: '电工', purpose: '换灯', category: 'program', fundCode: 'LAMP' })).status).toBe(201);
  expect((await api('post', `/entries/${payment.body.id}/reverse`).send({ date: '2026-01-15', reason: '金额有误' })).status).toBe(201);
  expect((await api('post', '/periods/2026-01/close')).status).toBe(200);
  const big = await api('post', '/payments').send({ date: '2026-02-02', amount: '2500.00', method: 'cash', payee: '施工队', purpose: '修路', category: 'program' });
  expect(big.body.status).toBe('pending_approval');
  const pending = await api('post', '/payments').send({ date: '2026-02-03', amount: '2100.00', method: 'cash', payee: '施工队', purpose: '修路二期', category: 'program' });
  expect((await api('post', `/entries/${big.body.id}/approve`, supervisor)).status).toBe(200);
  expect(pending.body.status).toBe('pending_approval');
  const doubled = await api('post', '/payments').send({ date: '2026-02-03', amount: '2100.00', method: 'cash', payee: '施工队', purpose: '修路二期（重复）', category: 'program' });
  expect((await api('post', `/entries/${doubled.body.id}/reject`, supervisor).send({ reason: '与修路二期重复' })).status).toBe(200);
  expect((await api('post', '/reconciliations').send({ date: '2026-02-28', cashCounted: '5600.00', bankStatementBalance: '2200.00', note: '月末盘点' })).status).toBe(201);
  const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('not really a photo')]);
  const attachment = await ctx.request().post(`/api/entities/${entity.id}/entries/${big.body.id}/attachments`).set(treasurer.auth).attach('file', jpeg, '发票.jpg');
  expect(attachment.status).toBe(201);
  return staff;
}

async function snapshot(request: () => supertest.Agent, entityId: string, user: TestUser) {
  const get = async (url: string) => {
    const response = await request().get(`/api/entities/${entityId}${url}`).set(user.auth);
    expect(response.status).toBe(200);
    return response.body;
  };
  return {
    trialBalance: await get('/trial-balance?asOf=2026-12-31'),
    january: await get('/trial-balance?asOf=2026-01-31'),
    verify: await get('/verify'),
    entries: (await get('/entries?limit=500')).items,
    funds: await get('/funds'),
    periods: await get('/periods'),
    reconciliations: await get('/reconciliations'),
  };
}

async function restoredApp(db: Knex) {
  const app = buildApp({ config: ctx.config, db, clock: ctx.clock, logger: createLogger('silent') });
  return () => supertest.agent(app);
}

describe('backup and restore', () => {
  test('a restored database gives the same books, verifies, and keeps numbering gaplessly', async () => {
    const { entity, treasurer, supervisor } = await seedBook();
    const before = await snapshot(ctx.request, entity.id, supervisor);
    expect(before.verify.ok).toBe(true);

    const file = path.join(dir, 'books.jsonl');
    const header = await backupToFile(ctx.db, file);
    expect(header.tables.find((table) => table.name === 'entries')?.rows).toBe(8);
    const content = fs.readFileSync(file, 'utf8');
    expect(content).toContain('"1234.56"');
    expect(content).not.toMatch(/"v":\[[^\]]*[^"\d]1234\.56/);

    const target = await createTestDatabase();
    drops.push(target.drop);
    await restoreFromFile(target.db, file);
    const request = await restoredApp(target.db);
    const after = await snapshot(request, entity.id, supervisor);
    expect(after).toEqual(before);

    const attachments = after.entries.flatMap((entry: { attachments: { id: string }[] }) => entry.attachments ?? []);
    expect(attachments).toHaveLength(1);
    const entryWithFile = after.entries.find((entry: { attachments?: unknown[] }) => entry.attachments?.length);
    const file1 = await request().get(`/api/entities/${entity.id}/entries/${entryWithFile.id}/attachments/${attachments[0].id}`).set(treasurer.auth);
    expect(file1.status).toBe(200);
    expect(Buffer.from(file1.body).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));

    const next = await request().post(`/api/entities/${entity.id}/receipts`).set(treasurer.auth).send({ kind: 'recycling', date: '2026-03-01', amount: '12.00', method: 'cash' });
    expect(next.status).toBe(201);
    const maxNumber = before.entries.map((entry: { number: string | null }) => entry.number).filter(Boolean).sort().pop();
    expect(next.body.number).toBe(`2026-${String(Number(maxNumber.slice(5)) + 1).padStart(6, '0')}`);
    expect((await request().get(`/api/entities/${entity.id}/verify`).set(treasurer.auth)).body.ok).toBe(true);

    await expect(restoreFromFile(target.db, file)).rejects.toThrow(/already holds/);
  });

  test('a backup file cut short is refused with the line it breaks on, and nothing is restored', async () => {
    await seedBook();
    const file = path.join(dir, 'cut.jsonl');
    await backupToFile(ctx.db, file);
    const whole = fs.readFileSync(file, 'utf8');
    const cut = path.join(dir, 'cut-short.jsonl');
    // Cut three characters before the end of a line past the middle: that line is left unfinished.
    const end = whole.indexOf('\n', Math.floor(whole.length / 2)) - 3;
    fs.writeFileSync(cut, whole.slice(0, end));
    const brokenLine = whole.slice(0, end).split('\n').length;
    const target = await createTestDatabase();
    drops.push(target.drop);
    await expect(restoreFromFile(target.db, cut)).rejects.toThrow(new RegExp(`^line ${brokenLine} of the backup file is not whole .*cut short or damaged\\. Nothing was restored`));
    expect(await target.db('users').first()).toBeUndefined();
    expect(await target.db('entities').first()).toBeUndefined();
  });

  test('npm run backup and npm run restore do the same from the command line', async () => {
    const { entity, supervisor } = await seedBook();
    const before = await snapshot(ctx.request, entity.id, supervisor);
    const file = path.join(dir, 'cli.jsonl');
    const root = path.resolve(__dirname, '../..');
    const env = { ...process.env, DATABASE_URL: ctx.url, NODE_ENV: 'test', JWT_SECRET: 'test-secret-0123456789abcdef' };
    const backup = await run('npm', ['run', '--silent', 'backup', '--', file], { cwd: root, env });
    expect(backup.stdout).toMatch(/backup written to/);
    // Only its owner may read it: it holds password hashes and donors' names.
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    const target = await createTestDatabase();
    drops.push(target.drop);
    const restore = await run('npm', ['run', '--silent', 'restore', '--', file], { cwd: root, env: { ...env, DATABASE_URL: target.url } });
    expect(restore.stdout).toMatch(/restored \d+ rows/);
    const after = await snapshot(await restoredApp(target.db), entity.id, supervisor);
    expect(after).toEqual(before);
    expect(after.verify).toMatchObject({ ok: true, head: before.verify.head });
  });
});
