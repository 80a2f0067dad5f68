/**
 * Authorization matrix: every ledger, grants and disclosure endpoint × every kind of caller. The table follows
 * API.md's roles and src/auth/actor.ts: no token → 401; a caller with no role on the entity
 * and no global role → 404 (the books do not exist for them); a caller inside the scope (or
 * holding a global role: admin, applicant) without a permitted role → 403; a permitted role →
 * 2xx. Admins read every entity's books and set up accounts, funds and projects, but record
 * nothing. The entity is a foundation so grant managers and reviewers have a scope too.
 *
 * Grants and disclosure follow API.md and the domains' CONTEXT.md: rounds, 360Giving and
 * published reports are public; an application exists only for its owner, the foundation's
 * staff (admin, grant manager, treasurer, supervisor) and the reviewers assigned to it (404
 * for everyone else, 403 for staff where only the owner may act); an applicant, whose role is
 * global, gets 403 on the foundation's own resources; the same role of another foundation
 * gets 404.
 */
import { useTestContext } from '../support/context';
import { admin, createUser, foundationWithStaff, receive, stationWithStaff, TestUser, uniqueCode } from '../factories';
import { grantScenario } from '../factories/grants';

const ctx = useTestContext();

type Caller = 'anonymous' | 'admin' | 'treasurer' | 'supervisor' | 'grant_manager' | 'reviewer' | 'applicant' | 'otherTreasurer';
const CALLERS: Caller[] = ['anonymous', 'admin', 'treasurer', 'supervisor', 'grant_manager', 'reviewer', 'applicant', 'otherTreasurer'];
const READERS: Caller[] = ['admin', 'treasurer', 'supervisor', 'grant_manager', 'reviewer'];

interface Fixture {
  entityId: string;
  entryId: string;
  toReverse: string;
  pending: string;
  /** A new entry waiting for approval, written by the treasurer, for a write that uses one up. */
  newPending: () => Promise<string>;
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
  // A supervisor rejects; the treasurer who wrote the entry withdraws it.
  { endpoint: 'POST entries/:id/reject', allowed: ['supervisor', 'treasurer'], send: async (f, auth) => ctx.request().post(`${e(f)}/entries/${await f.newPending()}/reject`).set(auth).send({ reason: '不予入账' }) },
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

type GrantCaller =
  | 'anonymous'
  | 'admin'
  | 'treasurer'
  | 'supervisor'
  | 'grant_manager'
  | 'reviewer'
  | 'reviewerUnassigned'
  | 'applicant'
  | 'applicantOther'
  | 'otherTreasurer'
  | 'otherSupervisor'
  | 'otherGrantManager'
  | 'otherReviewer';
/** reviewer: assigned to the applications; applicant: owns them; other*: the same role of another foundation. */
const GRANT_CALLERS: GrantCaller[] = ['anonymous', 'admin', 'treasurer', 'supervisor', 'grant_manager', 'reviewer', 'reviewerUnassigned', 'applicant', 'applicantOther', 'otherTreasurer', 'otherSupervisor', 'otherGrantManager', 'otherReviewer'];
/** Callers who hold a role on the foundation (admins see every entity). */
const IN_SCOPE: GrantCaller[] = ['admin', 'treasurer', 'supervisor', 'grant_manager', 'reviewer', 'reviewerUnassigned'];
const GLOBAL_ONLY: GrantCaller[] = ['applicant', 'applicantOther'];
const OUTSIDE: GrantCaller[] = ['otherTreasurer', 'otherSupervisor', 'otherGrantManager', 'otherReviewer'];
const STAFF: GrantCaller[] = ['admin', 'treasurer', 'supervisor', 'grant_manager'];

type Expectation = Record<GrantCaller, number>;
function expectation(answers: { allowed: GrantCaller[]; forbidden: GrantCaller[]; missing: GrantCaller[] }): Expectation {
  const result = { anonymous: 401 } as Expectation;
  for (const caller of answers.allowed) result[caller] = 200;
  for (const caller of answers.forbidden) result[caller] = 403;
  for (const caller of answers.missing) result[caller] = 404;
  const unset = GRANT_CALLERS.filter((caller) => result[caller] === undefined);
  if (unset.length > 0) throw new Error(`no expectation for ${unset.join(', ')}`);
  return result;
}
const without = (callers: GrantCaller[], drop: GrantCaller[]) => callers.filter((caller) => !drop.includes(caller));
/** Open to everyone, no token needed. */
const everyone = (): Expectation => Object.fromEntries(GRANT_CALLERS.map((caller) => [caller, 200])) as Expectation;
/** Any signed-in user; no token is a 401 (API.md: only /api/public/ needs none). */
const signedIn = (): Expectation => expectation({ allowed: without(GRANT_CALLERS, ['anonymous']), forbidden: [], missing: [] });
/** A role on the foundation: 403 inside its scope (global roles included), 404 outside. */
const foundationRole = (allowed: GrantCaller[]): Expectation =>
  expectation({ allowed, forbidden: without([...IN_SCOPE, ...GLOBAL_ONLY], allowed), missing: OUTSIDE });
/** Only the applicant who owns the application: staff and reviewers of the foundation see it exists (403), nobody else does (404). */
const ownerOnly = (): Expectation => expectation({ allowed: ['applicant'], forbidden: IN_SCOPE, missing: ['applicantOther', ...OUTSIDE] });

interface GrantFixture {
  foundationId: string;
  roundId: string;
  roundBody: object;
  applicationBody: object;
  /** Applications in the state each write needs, one per write that moves it on. */
  editable: string;
  submittable: string;
  withdrawable: string;
  assignable: string;
  reviewable: string;
  decidable: string;
  /** Active, reviewed by the assigned reviewer, first of three 100.00 tranches paid. */
  active: string;
  reporting: string;
  disclosureId: string;
  reviewerId: string;
}
interface GrantRow {
  endpoint: string;
  expect: Expectation;
  send: (fixture: GrantFixture, auth: Record<string, string>) => Promise<{ status: number; headers: Record<string, string> }>;
}
const grantGet = (path: (fixture: GrantFixture) => string) => (fixture: GrantFixture, auth: Record<string, string>) => ctx.request().get(path(fixture)).set(auth);
const grantPost = (path: (fixture: GrantFixture) => string, body: (fixture: GrantFixture) => object = () => ({})) => (fixture: GrantFixture, auth: Record<string, string>) =>
  ctx.request().post(path(fixture)).set(auth).send(body(fixture));
const app = (pick: (fixture: GrantFixture) => string, suffix = '') => (fixture: GrantFixture) => `/api/applications/${pick(fixture)}${suffix}`;

// prettier-ignore
const GRANT_MATRIX: GrantRow[] = [
  { endpoint: 'POST /api/rounds', expect: foundationRole(['grant_manager']), send: grantPost(() => '/api/rounds', (f) => f.roundBody) },
  { endpoint: 'GET /api/rounds', expect: signedIn(), send: grantGet((f) => `/api/rounds?entityId=${f.foundationId}`) },
  { endpoint: 'GET /api/rounds/:id', expect: signedIn(), send: grantGet((f) => `/api/rounds/${f.roundId}`) },
  { endpoint: 'GET /api/rounds/:id/360giving.json', expect: signedIn(), send: grantGet((f) => `/api/rounds/${f.roundId}/360giving.json`) },
  { endpoint: 'GET /api/public/rounds', expect: everyone(), send: grantGet((f) => `/api/public/rounds?entityId=${f.foundationId}`) },
  { endpoint: 'GET /api/public/rounds/:id', expect: everyone(), send: grantGet((f) => `/api/public/rounds/${f.roundId}`) },
  { endpoint: 'GET /api/public/rounds/:id/360giving.json', expect: everyone(), send: grantGet((f) => `/api/public/rounds/${f.roundId}/360giving.json`) },
  { endpoint: 'GET /api/rounds/:id/applications', expect: foundationRole([...STAFF, 'reviewer', 'reviewerUnassigned']), send: grantGet((f) => `/api/rounds/${f.roundId}/applications`) },
  // Rounds are public calls, so the round exists for everyone; only applicants may answer it.
  { endpoint: 'POST /api/rounds/:id/applications', expect: expectation({ allowed: GLOBAL_ONLY, forbidden: [...IN_SCOPE, ...OUTSIDE], missing: [] }), send: grantPost((f) => `/api/rounds/${f.roundId}/applications`, (f) => f.applicationBody) },
  { endpoint: 'GET /api/applications', expect: expectation({ allowed: without(GRANT_CALLERS, ['anonymous']), forbidden: [], missing: [] }), send: grantGet(() => '/api/applications') },
  { endpoint: 'GET /api/applications/:id', expect: expectation({ allowed: [...STAFF, 'reviewer', 'applicant'], forbidden: [], missing: ['reviewerUnassigned', 'applicantOther', ...OUTSIDE] }), send: grantGet(app((f) => f.active)) },
  { endpoint: 'PATCH /api/applications/:id', expect: ownerOnly(), send: (f, auth) => ctx.request().patch(app((x) => x.editable)(f)).set(auth).send({ title: '楼栋互助花园（一期）' }) },
  { endpoint: 'POST …/submit', expect: ownerOnly(), send: grantPost(app((f) => f.submittable, '/submit')) },
  { endpoint: 'POST …/withdraw', expect: ownerOnly(), send: grantPost(app((f) => f.withdrawable, '/withdraw'), () => ({ note: '不再申请' })) },
  { endpoint: 'POST …/reviewers', expect: foundationRole(['grant_manager']), send: grantPost(app((f) => f.assignable, '/reviewers'), (f) => ({ userIds: [f.reviewerId] })) },
  // Right after the assignment above: the grant manager withdraws the reviewer who has not reviewed.
  { endpoint: 'DELETE …/reviewers/:userId', expect: foundationRole(['grant_manager']), send: (f, auth) => ctx.request().delete(app((x) => x.assignable, `/reviewers/${f.reviewerId}`)(f)).set(auth) },
  // Reviewing needs the assignment too: an unassigned reviewer of the foundation is in scope (403).
  { endpoint: 'POST …/reviews', expect: foundationRole(['reviewer']), send: grantPost(app((f) => f.reviewable, '/reviews'), () => ({ conflictOfInterest: false, scores: { impact: 5, feasibility: 4 }, comment: '好' })) },
  { endpoint: 'GET …/reviews/mine', expect: { ...foundationRole(['reviewer']), reviewerUnassigned: 404 }, send: grantGet(app((f) => f.active, '/reviews/mine')) },
  { endpoint: 'POST …/decision', expect: foundationRole(['grant_manager']), send: grantPost(app((f) => f.decidable, '/decision'), () => ({ decision: 'approved', amount: '300.00', reason: '评审通过' })) },
  { endpoint: 'POST …/disbursements', expect: foundationRole(['grant_manager']), send: grantPost(app((f) => f.active, '/disbursements'), () => ({ amount: '100.00', date: '2026-04-10', method: 'bank' })) },
  { endpoint: 'POST …/reports', expect: ownerOnly(), send: grantPost(app((f) => f.active, '/reports'), () => ({ kind: 'progress', narrative: '进展顺利', spent: '50.00' })) },
  { endpoint: 'POST …/refunds', expect: foundationRole(['grant_manager']), send: grantPost(app((f) => f.active, '/refunds'), () => ({ amount: '10.00', date: '2026-04-11' })) },
  { endpoint: 'POST …/amendments', expect: foundationRole(['grant_manager']), send: grantPost(app((f) => f.active, '/amendments'), () => ({ note: '更换联系人' })) },
  { endpoint: 'POST …/close', expect: foundationRole(['grant_manager']), send: grantPost(app((f) => f.reporting, '/close')) },
  { endpoint: 'POST /api/entities/:id/disclosures', expect: foundationRole(['treasurer']), send: grantPost((f) => `/api/entities/${f.foundationId}/disclosures`, () => ({ period: '2026-01', reason: '更正' })) },
  { endpoint: 'POST /api/disclosures/:id/countersign', expect: foundationRole(['supervisor']), send: grantPost((f) => `/api/disclosures/${f.disclosureId}/countersign`, () => ({ note: '已审核' })) },
  { endpoint: 'GET /api/public/entities/:id/calendar', expect: everyone(), send: grantGet((f) => `/api/public/entities/${f.foundationId}/calendar`) },
  { endpoint: 'GET /api/public/disclosures', expect: everyone(), send: grantGet((f) => `/api/public/disclosures?entityId=${f.foundationId}`) },
  { endpoint: 'GET /api/public/disclosures/:id', expect: everyone(), send: grantGet((f) => `/api/public/disclosures/${f.disclosureId}`) },
  { endpoint: 'GET /api/public/disclosures/:id/pdf', expect: everyone(), send: grantGet((f) => `/api/public/disclosures/${f.disclosureId}/pdf`) },
  { endpoint: 'GET /api/public/disclosures/:id/verify', expect: everyone(), send: grantGet((f) => `/api/public/disclosures/${f.disclosureId}/verify`) },
];

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
    const newPending = async () => {
      const pending = await ctx.request().post(`/api/entities/${entityId}/payments`).set(treasurer.auth).send({ date: '2026-03-02', amount: '500.00', method: 'cash', payee: '施工队', purpose: '修路', category: 'program' });
      expect(pending.body.status).toBe('pending_approval');
      return pending.body.id as string;
    };
    const attachment = await ctx.request().post(`/api/entities/${entityId}/entries/${entry.id}/attachments`).set(treasurer.auth).attach('file', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1]), 'a.png');
    expect(attachment.status).toBe(201);
    const fixture: Fixture = { entityId, entryId: entry.id, toReverse: toReverse.id, pending: await newPending(), newPending, attachmentId: attachment.body.id, victimId: '' };

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

  test('every grants and disclosure endpoint answers each caller as the roles table says', async () => {
    const grants = await grantScenario(ctx);
    const foundationId = grants.foundationId;
    const other = await foundationWithStaff(ctx);
    const users: Record<GrantCaller, TestUser | null> = {
      anonymous: null,
      admin: await admin(ctx),
      treasurer: grants.foundation.treasurer,
      supervisor: grants.supervisor,
      grant_manager: grants.gm,
      reviewer: grants.reviewer,
      reviewerUnassigned: grants.otherReviewer,
      applicant: grants.applicant,
      applicantOther: await createUser(ctx, [{ role: 'applicant' }]),
      otherTreasurer: other.treasurer,
      otherSupervisor: await createUser(ctx, [{ role: 'supervisor', entityId: other.entity.id }]),
      otherGrantManager: other.grantManager,
      otherReviewer: other.reviewers[0],
    };
    const treasurer = grants.foundation.treasurer;
    expect((await ctx.request().post(`/api/entities/${foundationId}/periods/2026-01/close`).set(treasurer.auth)).status).toBe(200);
    const disclosure = await ctx.request().post(`/api/entities/${foundationId}/disclosures`).set(treasurer.auth).send({ period: '2026-01' });
    expect(disclosure.status).toBe(201);
    const fixture: GrantFixture = {
      foundationId,
      roundId: grants.round.id,
      roundBody: grants.roundBody,
      applicationBody: grants.applicationBody,
      editable: (await grants.application('draft')).id,
      submittable: (await grants.application('draft')).id,
      withdrawable: (await grants.application('submitted')).id,
      assignable: (await grants.application('submitted')).id,
      reviewable: (await grants.application('under_review')).id,
      decidable: (await grants.application('reviewed')).id,
      active: (await grants.application('active')).id,
      reporting: (await grants.application('reporting')).id,
      disclosureId: disclosure.body.id,
      reviewerId: grants.reviewer.id,
    };

    const mismatches: string[] = [];
    let requests = 0;
    for (const row of GRANT_MATRIX) {
      for (const caller of GRANT_CALLERS) {
        const user = users[caller];
        const response = await row.send(fixture, user ? user.auth : {});
        requests += 1;
        const want = row.expect[caller];
        const ok = want === 200 ? response.status >= 200 && response.status < 300 : response.status === want;
        if (!ok) mismatches.push(`${row.endpoint} as ${caller}: expected ${want === 200 ? '2xx' : want}, got ${response.status} ${JSON.stringify((response as { body?: unknown }).body).slice(0, 200)}`);
        if (response.status >= 400) expect(response.headers['content-type']).toContain('application/problem+json');
      }
    }
    process.stdout.write(`authorization matrix (grants, disclosure): ${GRANT_MATRIX.length} endpoints × ${GRANT_CALLERS.length} callers = ${requests} requests\n`);
    expect(mismatches).toEqual([]);
  });
});
