/**
 * Authorization matrix: every ledger endpoint × every kind of caller. The table follows
 * API.md's roles and src/auth/actor.ts: no token → 401; a caller with no role on the entity
 * and no global role → 404 (the books do not exist for them); a caller inside the scope (or
 * holding a global role: admin, applicant) without a permitted role → 403; a permitted role →
 * 2xx. Admins read every entity's books and set up accounts, funds and projects, but record
 * nothing. The entity is a foundation so grant managers and reviewers have a scope too.
 */
import { useTestContext } from '../support/context';
import { admin, createUser, foundationWithStaff, receive, stationWithStaff, TestUser, uniqueCode } from '../factories';

const ctx = useTestContext();

type Caller = 'anonymous' | 'admin' | 'treasurer' | 'supervisor' | 'grant_manager' | 'reviewer' | 'applicant' | 'otherTreasurer';
const CALLERS: Caller[] = ['anonymous', 'admin', 'treasurer', 'supervisor', 'grant_manager', 'reviewer', 'applicant', 'otherTreasurer'];
const READERS: Caller[] = ['admin', 'treasurer', 'supervisor', 'grant_manager', 'reviewer'];

interface Fixture {
  entityId: string;
  entryId: string;
  toReverse: string;
  pending: string;
  attachmentId: string;
  victimId: string;
}

interface Row {
  endpoint: string;
  allowed: Caller[];
  /** Global endpoints have no entity scope: everyone but the allowed gets a 403. */
  global?: boolean;
  send: (fixture: Fixture, auth: Record<string, string>) => Promise<{ status: number; headers: Record<string, string> }>;
}

let subAccount = 0;
const e = (fixture: Fixture) => `/api/entities/${fixture.entityId}`;
const get = (path: (fixture: Fixture) => string) => (fixture: Fixture, auth: Record<string, string>) => ctx.request().get(path(fixture)).set(auth);
const post = (path: (fixture: Fixture) => string, body: () => object = () => ({})) => (fixture: Fixture, auth: Record<string, string>) => ctx.request().post(path(fixture)).set(auth).send(body());

// prettier-ignore
const MATRIX: Row[] = [
  { endpoint: 'POST /api/entities', allowed: ['admin'], global: true, send: post(() => '/api/entities', () => ({ code: uniqueCode('M'), name: '新公益站', kind: 'station' })) },
  { endpoint: 'GET /api/users', allowed: ['admin'], global: true, send: get(() => '/api/users') },
  { endpoint: 'POST /api/users', allowed: ['admin'], global: true, send: post(() => '/api/users', () => ({ username: uniqueCode('m').toLowerCase(), password: 'password-123', displayName: '新用户', roles: [] })) },
  { endpoint: 'GET /api/entities/:id', allowed: READERS, send: get(e) },
  { endpoint: 'GET accounts', allowed: READERS, send: get((f) => `${e(f)}/accounts`) },
  { endpoint: 'POST accounts', allowed: ['admin', 'treasurer'], send: post((f) => `${e(f)}/accounts`, () => ({ code: `1122${String((subAccount += 1)).padStart(2, '0')}`, name: '暂付款', parentCode: '1122' })) },
  { endpoint: 'GET funds', allowed: READERS, send: get((f) => `${e(f)}/funds`) },
  { endpoint: 'POST funds', allowed: ['admin', 'treasurer'], send: post((f) => `${e(f)}/funds`, () => ({ code: uniqueCode('F'), name: '专项', restricted: true })) },
  { endpoint: 'GET projects', allowed: READERS, send: get((f) => `${e(f)}/projects`) },
  { endpoint: 'POST projects', allowed: ['admin', 'treasurer', 'grant_manager'], send: post((f) => `${e(f)}/projects`, () => ({ code: uniqueCode('P'), name: '项目' })) },
  { endpoint: 'POST entries', allowed: ['treasurer'], send: post((f) => `${e(f)}/entries`, () => ({ date: '2026-03-02', memo: '收入', lines: [{ accountCode: '1001', debit: '1.00' }, { accountCode: '490199', credit: '1.00' }] })) },
  { endpoint: 'GET entries', allowed: READERS, send: get((f) => `${e(f)}/entries`) },
  { endpoint: 'GET entries/:id', allowed: READERS, send: get((f) => `${e(f)}/entries/${f.entryId}`) },
  { endpoint: 'POST entries/:id/reverse', allowed: ['treasurer'], send: post((f) => `${e(f)}/entries/${f.toReverse}/reverse`, () => ({ date: '2026-03-03', reason: '冲销' })) },
  { endpoint: 'POST entries/:id/approve', allowed: ['supervisor'], send: post((f) => `${e(f)}/entries/${f.pending}/approve`) },
  { endpoint: 'POST receipts', allowed: ['treasurer'], send: post((f) => `${e(f)}/receipts`, () => ({ kind: 'donation', date: '2026-03-02', amount: '5.00', method: 'cash' })) },
  { endpoint: 'POST payments', allowed: ['treasurer'], send: post((f) => `${e(f)}/payments`, () => ({ date: '2026-03-02', amount: '1.00', method: 'cash', payee: '商店', purpose: '文具', category: 'admin' })) },
  { endpoint: 'GET trial-balance', allowed: READERS, send: get((f) => `${e(f)}/trial-balance`) },
  { endpoint: 'GET statement', allowed: READERS, send: get((f) => `${e(f)}/accounts/1001/statement`) },
  { endpoint: 'GET periods', allowed: READERS, send: get((f) => `${e(f)}/periods`) },
  { endpoint: 'POST periods/:p/close', allowed: ['treasurer'], send: post((f) => `${e(f)}/periods/2025-06/close`) },
  { endpoint: 'GET export/journal', allowed: READERS, send: get((f) => `${e(f)}/export/journal`) },
  { endpoint: 'GET verify', allowed: READERS, send: get((f) => `${e(f)}/verify`) },
  { endpoint: 'POST reconciliations', allowed: ['treasurer'], send: post((f) => `${e(f)}/reconciliations`, () => ({ date: '2026-03-31', cashCounted: '0.00', bankStatementBalance: '0.00' })) },
  { endpoint: 'GET reconciliations', allowed: READERS, send: get((f) => `${e(f)}/reconciliations`) },
  { endpoint: 'GET approval-flags', allowed: ['treasurer', 'supervisor'], send: get((f) => `${e(f)}/approval-flags`) },
  {
    endpoint: 'POST attachments',
    allowed: ['treasurer'],
    send: (f, auth) => ctx.request().post(`${e(f)}/entries/${f.entryId}/attachments`).set(auth).attach('file', Buffer.from('%PDF-1.4 test'), 'a.pdf'),
  },
  { endpoint: 'GET attachment', allowed: READERS, send: get((f) => `${e(f)}/entries/${f.entryId}/attachments/${f.attachmentId}`) },
];

function expected(row: Row, caller: Caller): number {
  if (caller === 'anonymous') return 401;
  if (row.allowed.includes(caller)) return 200;
  if (row.global) return 403;
  if (caller === 'otherTreasurer') return 404;
  return 403;
}

describe('authorization matrix', () => {
  test('every ledger endpoint answers each caller as the roles table says', async () => {
    const foundation = await foundationWithStaff(ctx, { approvalThreshold: '100.00' });
    const entityId = foundation.entity.id;
    const supervisor = await createUser(ctx, [{ role: 'supervisor', entityId }]);
    const applicant = await createUser(ctx, [{ role: 'applicant' }]);
    const station = await stationWithStaff(ctx);
    const users: Record<Caller, TestUser | null> = {
      anonymous: null,
      admin: await admin(ctx),
      treasurer: foundation.treasurer,
      supervisor,
      grant_manager: foundation.grantManager,
      reviewer: foundation.reviewers[0],
      applicant,
      otherTreasurer: station.treasurer,
    };
    const treasurer = foundation.treasurer;
    const entry = await receive(ctx, treasurer, entityId, '1000.00', { date: '2026-03-01' });
    const toReverse = await receive(ctx, treasurer, entityId, '10.00', { date: '2026-03-01' });
    const pending = await ctx.request().post(`/api/entities/${entityId}/payments`).set(treasurer.auth).send({ date: '2026-03-02', amount: '500.00', method: 'cash', payee: '施工队', purpose: '修路', category: 'program' });
    expect(pending.body.status).toBe('pending_approval');
    const attachment = await ctx.request().post(`/api/entities/${entityId}/entries/${entry.id}/attachments`).set(treasurer.auth).attach('file', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1]), 'a.png');
    expect(attachment.status).toBe(201);
    const fixture: Fixture = { entityId, entryId: entry.id, toReverse: toReverse.id, pending: pending.body.id, attachmentId: attachment.body.id, victimId: '' };

    const mismatches: string[] = [];
    let requests = 0;
    for (const row of MATRIX) {
      for (const caller of CALLERS) {
        const user = users[caller];
        const response = await row.send(fixture, user ? user.auth : {});
        requests += 1;
        const want = expected(row, caller);
        const ok = want === 200 ? response.status >= 200 && response.status < 300 : response.status === want;
        if (!ok) mismatches.push(`${row.endpoint} as ${caller}: expected ${want === 200 ? "2xx" : want}, got ${response.status} ${JSON.stringify((response as { body?: unknown }).body)}`);
        if (response.status >= 400) expect(response.headers['content-type']).toContain('application/problem+json');
      }
    }
    process.stdout.write(`authorization matrix: ${MATRIX.length} endpoints × ${CALLERS.length} callers = ${requests} requests\n`);
    expect(mismatches).toEqual([]);
  });

  test("a treasurer of station A can read or write nothing of station B, even knowing B's ids", async () => {
    const a = await stationWithStaff(ctx);
    const b = await stationWithStaff(ctx);
    const entry = await receive(ctx, b.treasurer, b.entity.id, '50.00');
    const base = `/api/entities/${b.entity.id}`;
    const attempts = [
      ctx.request().get(base).set(a.treasurer.auth),
      ctx.request().get(`${base}/entries/${entry.id}`).set(a.treasurer.auth),
      ctx.request().post(`${base}/entries/${entry.id}/reverse`).set(a.treasurer.auth).send({ date: '2026-03-06', reason: 'x' }),
      ctx.request().post(`${base}/receipts`).set(a.treasurer.auth).send({ kind: 'donation', date: '2026-03-06', amount: '1.00', method: 'cash' }),
      // B's entry addressed through A's books is not found either.
      ctx.request().get(`/api/entities/${a.entity.id}/entries/${entry.id}`).set(a.treasurer.auth),
    ];
    for (const response of await Promise.all(attempts)) expect(response.status).toBe(404);
    const list = await ctx.request().get(`${base}/entries`).set(b.treasurer.auth);
    expect(list.body.items).toHaveLength(1);
  });
});
