/**
 * Fuzzing every write endpoint of the books, identity, grants and disclosure with generated
 * malformed or hostile requests (fast-check): each case starts from a valid request aimed at
 * a real target in the state that request needs (an entry, a round, an application in each
 * workflow state, a published report) and carries at least one mutation that makes it invalid
 * (a missing field, an unknown field, a wrong type, a bad amount, a garbage or unknown path
 * id, bad JSON, an oversized body), decorated with hostile strings (SQL, HTML, unicode) in
 * other fields. Every answer must be a 4xx problem+json, never a 5xx, and nothing may be
 * written: the journals, the grant tables and the disclosures of the fuzzed entities stay
 * exactly as they were.
 */
import crypto from 'node:crypto';
import fc from 'fast-check';
import { useTestContext } from '../support/context';
import { call, listenInProcess, Listening } from '../support/child-service';
import { admin, createUser, receive, stationWithStaff, TestUser } from '../factories';
import { grantScenario } from '../factories/grants';

// 35 s alone on a quiet machine; twice it ran past 110 s while four other test runs shared the two cores.
jest.setTimeout(240_000);

const ctx = useTestContext();
let server: Listening;

beforeAll(async () => {
  server = await listenInProcess(ctx.app);
});
afterAll(async () => {
  await server?.close();
});

type Kind =
  | 'money'
  | 'signedMoney'
  | 'date'
  | 'instant'
  | 'int'
  | 'text'
  | 'code'
  | 'accountCode'
  | 'enum'
  | 'bool'
  | 'uuid'
  | 'uuidList'
  | 'lines'
  | 'roles'
  | 'optionalText'
  | 'rubric'
  | 'budgetLines'
  | 'scores'
  | 'tranches'
  | 'reportLines'
  | 'period';
interface Field {
  kind: Kind;
  required: boolean;
  /** The valid value, or how to make it from the targets' ids. */
  valid: unknown;
  /** Longest valid text, for the text kinds. */
  max: number;
}
type Actor = 'anonymous' | 'admin' | 'treasurer' | 'supervisor' | 'grant_manager' | 'reviewer' | 'applicant';
interface Endpoint {
  name: string;
  family: 'ledger' | 'grants' | 'disclosure';
  method: 'POST' | 'PATCH' | 'DELETE';
  path: (ids: Ids, hostile?: string) => string;
  actor: Actor;
  fields: Record<string, Field>;
  /** The schema refuses unknown fields. */
  strict: boolean;
  /** Where the path has a parameter a case may replace with garbage. */
  pathParam?: boolean;
  /** No body schema: only the path (or the state) makes the request fail. */
  bodiless?: boolean;
}
interface Ids {
  entityId: string;
  entryId: string;
  userId: string;
  foundationId: string;
  stationId: string;
  reviewerId: string;
  roundId: string;
  /** Applications by the state their endpoint needs (see tests/factories/grants.ts). */
  draftId: string;
  submittedId: string;
  /** A second submitted application, so withdrawing and assigning reviewers each have their own. */
  withdrawableId: string;
  reviewingId: string;
  reviewedId: string;
  activeId: string;
  reportingId: string;
  disclosureId: string;
}

const f = (kind: Kind, valid: unknown, required = true, max = 1000): Field => ({ kind, valid, required, max });
const fromIds = (pick: (ids: Ids) => unknown) => ({ fromIds: pick });
const isFromIds = (value: unknown): value is ReturnType<typeof fromIds> => typeof value === 'object' && value !== null && 'fromIds' in value;

const LEDGER_ENDPOINTS: Endpoint[] = [
  { family: 'ledger', name: 'login', method: 'POST', path: () => '/api/auth/login', actor: 'anonymous', strict: false, fields: { username: f('text', 'nobody'), password: f('text', 'whatever-pw') } },
  {
    family: 'ledger',
    name: 'create user',
    method: 'POST',
    path: () => '/api/users',
    actor: 'admin',
    strict: true,
    fields: { username: f('code', 'fuzz_user'), password: f('text', 'password-123'), displayName: f('text', '测试'), roles: f('roles', [], false) },
  },
  { family: 'ledger', name: 'assign roles', method: 'POST', path: (ids, hostile) => `/api/users/${hostile ?? ids.userId}/roles`, actor: 'admin', strict: true, pathParam: true, fields: { roles: f('roles', [{ role: 'applicant' }]) } },
  { family: 'ledger', name: 'delete user', method: 'DELETE', path: (_ids, hostile) => `/api/users/${hostile ?? 'x'}`, actor: 'admin', strict: false, pathParam: true, bodiless: true, fields: {} },
  {
    family: 'ledger',
    name: 'create entity',
    method: 'POST',
    path: () => '/api/entities',
    actor: 'admin',
    strict: true,
    fields: { code: f('code', 'FUZZ-1'), name: f('text', '公益站'), kind: f('enum', 'station'), approvalThreshold: f('money', '100.00', false) },
  },
  { family: 'ledger', name: 'create account', method: 'POST', path: (ids, h) => `/api/entities/${h ?? ids.entityId}/accounts`, actor: 'treasurer', strict: true, pathParam: true, fields: { code: f('accountCode', '100101'), name: f('text', '零钱'), parentCode: f('accountCode', '1001') } },
  { family: 'ledger', name: 'create fund', method: 'POST', path: (ids, h) => `/api/entities/${h ?? ids.entityId}/funds`, actor: 'treasurer', strict: true, pathParam: true, fields: { code: f('code', 'LAMP'), name: f('text', '路灯基金'), restricted: f('bool', true), purpose: f('optionalText', '路灯', false) } },
  { family: 'ledger', name: 'create project', method: 'POST', path: (ids, h) => `/api/entities/${h ?? ids.entityId}/projects`, actor: 'treasurer', strict: true, pathParam: true, fields: { code: f('code', 'P1'), name: f('text', '百家宴'), startsOn: f('date', '2026-01-01', false), endsOn: f('date', '2026-12-31', false) } },
  {
    family: 'ledger',
    name: 'post entry',
    method: 'POST',
    path: (ids, h) => `/api/entities/${h ?? ids.entityId}/entries`,
    actor: 'treasurer',
    strict: true,
    pathParam: true,
    fields: {
      date: f('date', '2026-03-15'),
      memo: f('text', '停车费'),
      lines: f('lines', [
        { accountCode: '1001', debit: '10.00' },
        { accountCode: '490101', credit: '10.00' },
      ]),
    },
  },
  { family: 'ledger', name: 'reverse', method: 'POST', path: (ids, h) => `/api/entities/${ids.entityId}/entries/${h ?? ids.entryId}/reverse`, actor: 'treasurer', strict: true, pathParam: true, fields: { date: f('date', '2026-03-16'), reason: f('text', '录错') } },
  { family: 'ledger', name: 'approve', method: 'POST', path: (ids, h) => `/api/entities/${ids.entityId}/entries/${h ?? ids.entryId}/approve`, actor: 'supervisor', strict: false, pathParam: true, bodiless: true, fields: {} },
  {
    family: 'ledger',
    name: 'receipt',
    method: 'POST',
    path: (ids, h) => `/api/entities/${h ?? ids.entityId}/receipts`,
    actor: 'treasurer',
    strict: true,
    pathParam: true,
    fields: {
      kind: f('enum', 'donation'),
      date: f('date', '2026-03-15'),
      amount: f('money', '100.00'),
      method: f('enum', 'cash'),
      payer: f('optionalText', '张三', false),
      anonymous: f('bool', false, false),
      nameConsent: f('bool', false, false),
      fundCode: f('code', 'GENERAL', false),
      memo: f('optionalText', '捐款', false),
    },
  },
  {
    family: 'ledger',
    name: 'payment',
    method: 'POST',
    path: (ids, h) => `/api/entities/${h ?? ids.entityId}/payments`,
    actor: 'treasurer',
    strict: true,
    pathParam: true,
    fields: {
      date: f('date', '2026-03-15'),
      amount: f('money', '1.00'),
      method: f('enum', 'cash'),
      payee: f('text', '五金店'),
      purpose: f('text', '灯泡'),
      category: f('enum', 'program'),
      fundCode: f('code', 'GENERAL', false),
    },
  },
  {
    family: 'ledger',
    name: 'reconciliation',
    method: 'POST',
    path: (ids, h) => `/api/entities/${h ?? ids.entityId}/reconciliations`,
    actor: 'treasurer',
    strict: true,
    pathParam: true,
    fields: { date: f('date', '2026-03-31'), cashCounted: f('money', '10.00'), bankStatementBalance: f('signedMoney', '0.00'), note: f('optionalText', '月末', false) },
  },
  { family: 'ledger', name: 'close period', method: 'POST', path: (ids, h) => `/api/entities/${ids.entityId}/periods/${h ?? 'x'}/close`, actor: 'treasurer', strict: false, pathParam: true, bodiless: true, fields: {} },
];

const application = (state: keyof Ids) => (ids: Ids, h?: string) => `/api/applications/${h ?? ids[state]}`;
const applicationFields = (required: boolean) => ({
  title: f('text', '楼栋互助花园', required, 200),
  organization: f('text', '邻里互助会', required, 200),
  contact: f('text', '赵丽 138****0000', required, 200),
  summary: f('text', '把闲置空地改造成居民共建的花园', required, 5000),
  requestedAmount: f('money', '300.00', required),
  budgetLines: f('budgetLines', [{ item: '苗木', amount: '200.00' }, { item: '工具', amount: '100.00' }], required),
  beneficiaries: f('optionalText', '楼栋居民', false, 2000),
  stationEntityId: f('uuid', fromIds((ids) => ids.stationId), false),
});
const THREE_TRANCHES = [{ amount: '100.00', condition: 'on_signing' }, { amount: '100.00', condition: 'on_signing' }, { amount: '100.00', condition: 'on_signing' }];

/** Each aims at an application in the state where the unmutated request would succeed. */
const GRANT_ENDPOINTS: Endpoint[] = [
  {
    family: 'grants',
    name: 'create round',
    method: 'POST',
    path: () => '/api/rounds',
    actor: 'grant_manager',
    strict: true,
    fields: {
      entityId: f('uuid', fromIds((ids) => ids.foundationId)),
      title: f('text', '社区公益创投', true, 200),
      description: f('text', '支持居民自组织的公益项目', true, 5000),
      budget: f('money', '50000.00'),
      fundCode: f('code', 'GENERAL', false),
      opensAt: f('instant', '2026-03-01T00:00:00+08:00'),
      closesAt: f('instant', '2026-04-01T00:00:00+08:00'),
      rubric: f('rubric', [{ key: 'impact', label: '社区影响', weight: 2 }]),
      minReviews: f('int', 1),
    },
  },
  { family: 'grants', name: 'create application', method: 'POST', path: (ids, h) => `/api/rounds/${h ?? ids.roundId}/applications`, actor: 'applicant', strict: true, pathParam: true, fields: applicationFields(true) },
  { family: 'grants', name: 'edit draft', method: 'PATCH', path: application('draftId'), actor: 'applicant', strict: true, pathParam: true, fields: applicationFields(false) },
  { family: 'grants', name: 'submit', method: 'POST', path: (ids, h) => `${application('draftId')(ids, h)}/submit`, actor: 'applicant', strict: false, pathParam: true, bodiless: true, fields: {} },
  { family: 'grants', name: 'withdraw', method: 'POST', path: (ids, h) => `${application('withdrawableId')(ids, h)}/withdraw`, actor: 'applicant', strict: true, pathParam: true, fields: { note: f('optionalText', '不再申请', false) } },
  { family: 'grants', name: 'assign reviewers', method: 'POST', path: (ids, h) => `${application('submittedId')(ids, h)}/reviewers`, actor: 'grant_manager', strict: true, pathParam: true, fields: { userIds: f('uuidList', fromIds((ids) => [ids.reviewerId])) } },
  {
    family: 'grants',
    name: 'review',
    method: 'POST',
    path: (ids, h) => `${application('reviewingId')(ids, h)}/reviews`,
    actor: 'reviewer',
    strict: true,
    pathParam: true,
    fields: { conflictOfInterest: f('bool', false), scores: f('scores', { impact: 4, feasibility: 3 }, false), comment: f('optionalText', '可行', false, 5000) },
  },
  {
    family: 'grants',
    name: 'decision',
    method: 'POST',
    path: (ids, h) => `${application('reviewedId')(ids, h)}/decision`,
    actor: 'grant_manager',
    strict: true,
    pathParam: true,
    fields: { decision: f('enum', 'approved'), amount: f('money', '300.00', false), tranches: f('tranches', THREE_TRANCHES, false), reason: f('optionalText', '评审通过', false, 2000) },
  },
  { family: 'grants', name: 'disburse', method: 'POST', path: (ids, h) => `${application('activeId')(ids, h)}/disbursements`, actor: 'grant_manager', strict: true, pathParam: true, fields: { amount: f('money', '100.00'), date: f('date', '2026-04-10'), method: f('enum', 'bank') } },
  {
    family: 'grants',
    name: 'report',
    method: 'POST',
    path: (ids, h) => `${application('activeId')(ids, h)}/reports`,
    actor: 'applicant',
    strict: true,
    pathParam: true,
    fields: { kind: f('enum', 'progress'), narrative: f('text', '进展顺利', true, 10000), spent: f('money', '50.00'), lines: f('reportLines', [{ item: '苗木', spent: '50.00' }], false) },
  },
  { family: 'grants', name: 'refund', method: 'POST', path: (ids, h) => `${application('activeId')(ids, h)}/refunds`, actor: 'grant_manager', strict: true, pathParam: true, fields: { amount: f('money', '10.00'), date: f('date', '2026-04-11'), method: f('enum', 'bank', false) } },
  { family: 'grants', name: 'close', method: 'POST', path: (ids, h) => `${application('reportingId')(ids, h)}/close`, actor: 'grant_manager', strict: true, pathParam: true, fields: { note: f('optionalText', '结项', false) } },
  {
    family: 'grants',
    name: 'amend',
    method: 'POST',
    path: (ids, h) => `${application('activeId')(ids, h)}/amendments`,
    actor: 'grant_manager',
    strict: true,
    pathParam: true,
    fields: { note: f('text', '更换联系人'), tranches: f('tranches', THREE_TRANCHES, false), endsOn: f('date', '2026-12-31', false) },
  },
];

const DISCLOSURE_ENDPOINTS: Endpoint[] = [
  // The period is closed and published once, so the unmutated request would publish version 2.
  { family: 'disclosure', name: 'publish', method: 'POST', path: (ids, h) => `/api/entities/${h ?? ids.entityId}/disclosures`, actor: 'treasurer', strict: true, pathParam: true, fields: { period: f('period', '2026-02'), reason: f('optionalText', '更正', false, 500) } },
  { family: 'disclosure', name: 'countersign', method: 'POST', path: (ids, h) => `/api/disclosures/${h ?? ids.disclosureId}/countersign`, actor: 'supervisor', strict: true, pathParam: true, fields: { note: f('optionalText', '已审核', false) } },
];

const ENDPOINTS: Endpoint[] = [...LEDGER_ENDPOINTS, ...GRANT_ENDPOINTS, ...DISCLOSURE_ENDPOINTS];

const RAW_NUMBER = '__raw_number__';
const HOSTILE_STRINGS = [
  "'; drop table entries; --",
  "1' or '1'='1",
  '" or ""="',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '{{7*7}}',
  '${process.exit(1)}',
  '../../../../etc/passwd',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  '👩‍👩‍👧‍👦💰',
  '\u200b\u200d\ufeff',
  'Ａ１２３',
  '\ud83d',
  '%00%27',
  'null',
  'undefined',
  '__proto__',
  'constructor',
];

/** Values that no field of the given kind accepts. */
function invalidFor(kind: Kind, max = 1000): fc.Arbitrary<unknown> {
  const wrongTypes = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.constant({}), fc.constant([]), fc.constant({ $gt: '' }));
  const hostile = fc.constantFrom(...HOSTILE_STRINGS);
  switch (kind) {
    case 'money':
    case 'signedMoney':
      return fc.oneof(
        wrongTypes,
        fc.double({ noDefaultInfinity: true }),
        fc.constantFrom(`${RAW_NUMBER}1e309`, `${RAW_NUMBER}-1e309`, `${RAW_NUMBER}12.50`, `${RAW_NUMBER}1e-400`),
        fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e3', '1.234', '0.001', '12,50', ' 12.50', '12.50 ', '+5', '0x10', '١٢', '12.5.0', '--1', '', '.5', '5.', '9'.repeat(25), '1e309'),
        kind === 'money' ? fc.constantFrom('-5', '-0.01', '-100.00') : fc.constant('-'),
        hostile,
      );
    case 'date':
      return fc.oneof(wrongTypes, hostile, fc.constantFrom('2026-02-30', '2026-13-01', '2026-00-10', '26-3-1', '2026/03/01', '2026-03-01T00:00:00Z', '', '0000-00-00', '99999-01-01', '2026-3-1'));
    case 'text':
      return fc.oneof(wrongTypes, fc.constantFrom('', '   ', '\t\n'), fc.nat({ max: 3 }).map((n) => '长'.repeat(max + 1 + n * 20_000)));
    case 'optionalText':
      return fc.oneof(fc.boolean(), fc.integer(), fc.constant({}), fc.constant([]), fc.nat({ max: 3 }).map((n) => 'x'.repeat(max + 1 + n * 30_000)));
    case 'code':
    case 'accountCode':
      return fc.oneof(wrongTypes, hostile.filter((value) => !/^[A-Za-z0-9_-]+$/.test(String(value))), fc.constantFrom('', 'a b', 'é', 'x'.repeat(61), '10 01', '1001;', '\u0000'));
    case 'enum':
      return fc.oneof(wrongTypes, hostile, fc.constantFrom('', 'DONATION', 'cash ', 'Cash', 'wire', 'station;'));
    case 'bool':
      return fc.oneof(fc.constant(null), fc.integer(), fc.constantFrom('true', 'false', '1', ''), fc.constant({}));
    case 'uuid':
      return fc.oneof(wrongTypes, hostile, fc.constantFrom('', 'not-a-uuid', '00000000-0000-0000-0000-00000000000g'));
    case 'lines':
      return fc.oneof(
        wrongTypes,
        hostile,
        fc.constant([{ accountCode: '1001', debit: '10.00' }]),
        fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 3 }).filter((items) => items.length === 0 || items.every((item) => typeof item !== 'object' || item === null || Array.isArray(item))),
        fc.tuple(invalidFor('money'), fc.constantFrom('debit', 'credit')).map(([amount, side]) => [
          { accountCode: '1001', [side]: amount },
          { accountCode: '490101', [side === 'debit' ? 'credit' : 'debit']: '10.00' },
        ]),
        fc.constant([
          { accountCode: '1001', debit: '10.00', credit: '10.00', extra: 1 },
          { accountCode: '490101', credit: '10.00' },
        ]),
        fc.constant(Array.from({ length: 501 }, () => ({ accountCode: '1001', debit: '1.00' }))),
      );
    case 'instant':
      return fc.oneof(wrongTypes, hostile, fc.constantFrom('2026-03-01', '2026-03-01T00:00:00', '2026-13-01T00:00:00+08:00', '2026-03-01T25:00:00+08:00', '2026-02-30T00:00:00+08:00', '', 'now', '1772294400000'));
    case 'int':
      return fc.oneof(
        fc.constant(null),
        fc.boolean(),
        fc.constant({}),
        fc.constant([]),
        hostile,
        fc.constantFrom(0, -1, 21, 1.5, 1e6, -0.5, '1', '2'),
        fc.constantFrom(`${RAW_NUMBER}1e309`, `${RAW_NUMBER}-1e309`),
      );
    case 'uuidList':
      return fc.oneof(wrongTypes, hostile, fc.constantFrom([], ['not-a-uuid'], [1], [null], [crypto.randomUUID()], Array.from({ length: 21 }, () => crypto.randomUUID())));
    case 'rubric': {
      const criterion = { key: 'impact', label: '社区影响', weight: 2 };
      return fc.oneof(
        wrongTypes,
        hostile,
        fc.constantFrom(
          [],
          [{ ...criterion, key: 'im pact' }],
          [{ ...criterion, key: '_impact' }],
          [{ ...criterion, label: '' }],
          [{ ...criterion, weight: 0 }],
          [{ ...criterion, weight: -1 }],
          [{ ...criterion, weight: 1001 }],
          [{ ...criterion, weight: '2' }],
          [criterion, criterion],
          [{ ...criterion, extra: 1 }],
          [{ key: 'impact', label: '社区影响' }],
          Array.from({ length: 21 }, (_, index) => ({ ...criterion, key: `c${index}` })),
        ),
      );
    }
    case 'budgetLines':
      return fc.oneof(
        wrongTypes,
        hostile,
        fc.constantFrom(
          [],
          [{ item: '苗木', amount: '-1.00' }],
          [{ item: '苗木', amount: '0.00' }],
          [{ item: '苗木', amount: 300 }],
          [{ item: '', amount: '300.00' }],
          [{ item: '苗木', amount: '300.00', extra: 1 }],
          [{ item: '苗木', amount: '150.00' }, { item: '苗木', amount: '150.00' }],
          Array.from({ length: 101 }, (_, index) => ({ item: `项${index}`, amount: '1.00' })),
        ),
      );
    case 'scores':
      return fc.oneof(
        fc.boolean(),
        fc.integer(),
        fc.constant([]),
        hostile,
        fc.constantFrom(
          {},
          { impact: 6, feasibility: 3 },
          { impact: -1, feasibility: 3 },
          { impact: 5.5, feasibility: 3 },
          { impact: '4', feasibility: 3 },
          { impact: null, feasibility: 3 },
          { impact: 4 },
          { impact: 4, feasibility: 3, 'Bad Key': 3 },
          { impact: 4, feasibility: 3, constructor: 2 },
          { constructor: 4, feasibility: 3 },
          { impact: 4, feasibility: 3, extra: 1 },
        ),
      );
    case 'tranches': {
      const tranche = { amount: '300.00', condition: 'on_signing' };
      return fc.oneof(
        wrongTypes,
        hostile,
        fc.constantFrom(
          [],
          [{ ...tranche, amount: '-300.00' }],
          [{ ...tranche, amount: 300 }],
          [{ ...tranche, amount: '299.99' }],
          [{ ...tranche, condition: '  ' }],
          [{ ...tranche, condition: '条'.repeat(201) }],
          [{ amount: '300.00' }],
          [{ ...tranche, extra: 1 }],
          [{ ...tranche, label: 7 }],
          Array.from({ length: 13 }, () => ({ amount: '1.00', condition: 'on_signing' })),
        ),
      );
    }
    case 'reportLines':
      return fc.oneof(
        fc.boolean(),
        fc.integer(),
        fc.constant({}),
        hostile,
        fc.constantFrom(
          [{ item: '', spent: '50.00' }],
          [{ item: '苗木', spent: '-50.00' }],
          [{ item: '苗木', spent: 50 }],
          [{ item: '苗木', spent: '50.00', extra: 1 }],
          [{ item: '不存在的预算项', spent: '50.00' }],
          [{ item: '苗木', spent: '49.00' }],
          [{ item: '苗木', spent: '25.00' }, { item: '苗木', spent: '25.00' }],
          Array.from({ length: 101 }, () => ({ item: '苗木', spent: '0.50' })),
        ),
      );
    case 'period':
      return fc.oneof(wrongTypes, hostile, fc.constantFrom('', '2026-13', '2026-00', '2026-Q5', '2026-Q0', '26', '2026-1', '2026-02-01', '2026Q1', ' 2026-02', '2026-q1', '２０２６'));
    case 'roles':
      return fc.oneof(wrongTypes, hostile, fc.constant([{ role: 'root' }]), fc.constant([{ role: 'treasurer', entityId: "' or 1=1" }]), fc.constant(Array.from({ length: 51 }, () => ({ role: 'applicant' }))));
  }
}

/** Path parameters that are not a valid id, month or anything the route accepts. */
const hostilePathParam = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  // Well-formed ids of nothing.
  fc.uuid(),
  fc.constantFrom('0', '-1', '2026-13', '2026-1', '202603', '00000000-0000-0000-0000-00000000000g', 'undefined', "1;select pg_sleep(10)"),
  fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }).filter((value) => !/^\d{4}-(0[1-9]|1[0-2])$/.test(value)),
);

type Mutation =
  | { type: 'delete'; field: string }
  | { type: 'extra'; key: string; value: unknown }
  | { type: 'replace'; field: string; value: unknown }
  | { type: 'path'; value: string }
  | { type: 'rawBody'; raw: string }
  | { type: 'oversized' };

interface Case {
  endpoint: number;
  mutation: Mutation;
  decorations: Record<string, string>;
}

function mutationsFor(endpoint: Endpoint): fc.Arbitrary<Mutation> {
  const fieldNames = Object.keys(endpoint.fields);
  const required = fieldNames.filter((name) => endpoint.fields[name].required);
  const options: fc.Arbitrary<Mutation>[] = [];
  if (endpoint.bodiless) {
    options.push(hostilePathParam.map((value) => ({ type: 'path' as const, value })));
    return fc.oneof(...options);
  }
  if (required.length) options.push(fc.constantFrom(...required).map((field) => ({ type: 'delete' as const, field })));
  if (endpoint.strict) {
    options.push(
      fc.tuple(fc.oneof(fc.constantFrom('id', 'status', 'number', 'entityId', 'isAdmin', 'hash', 'createdBy', 'amount2'), fc.string({ minLength: 1, maxLength: 12 })), fc.anything({ maxDepth: 1 })).filter(([key, value]) => !fieldNames.includes(key) && key !== '__proto__' && value !== undefined).map(([key, value]) => ({ type: 'extra' as const, key, value })),
    );
  }
  if (fieldNames.length) {
    // Optional fields may be null (web forms send null for an empty field): null is no mutation there.
    options.push(
      fc.constantFrom(...fieldNames).chain((field) =>
        invalidFor(endpoint.fields[field].kind, endpoint.fields[field].max)
          .filter((value) => endpoint.fields[field].required || value !== null)
          .map((value) => ({ type: 'replace' as const, field, value })),
      ),
    );
  }
  if (endpoint.pathParam) options.push(hostilePathParam.map((value) => ({ type: 'path' as const, value })));
  options.push(
    fc
      .constantFrom('{', '{"a":', '{"amount": NaN}', '{"amount": 1e309,}', "{'a':1}", '\ufeff{}x', 'null', '"text"', '[]', '[1,2', '{"a":1}}', '\u0000', '{"date":"2026-03-15",}', 'true', '{"__proto__":{"isAdmin":true}}')
      .map((raw) => ({ type: 'rawBody' as const, raw })),
  );
  return fc.oneof(...options);
}

function textFields(endpoint: Endpoint): string[] {
  return Object.keys(endpoint.fields).filter((name) => ['text', 'optionalText'].includes(endpoint.fields[name].kind));
}

const caseArbitrary: fc.Arbitrary<Case> = fc.nat({ max: ENDPOINTS.length - 1 }).chain((endpoint) =>
  fc.record({
    endpoint: fc.constant(endpoint),
    mutation: fc.oneof({ weight: 200, arbitrary: mutationsFor(ENDPOINTS[endpoint]) }, { weight: 1, arbitrary: fc.constant({ type: 'oversized' as const }) }),
    decorations: textFields(ENDPOINTS[endpoint]).length
      ? fc.dictionary(fc.constantFrom(...textFields(ENDPOINTS[endpoint])), fc.constantFrom(...HOSTILE_STRINGS), { maxKeys: 2 })
      : fc.constant({}),
  }),
);

/** Percent-encode what encodeURIComponent can; a lone surrogate goes as its raw UTF-8 replacement bytes. */
function encodePathParam(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '\ufffd'));
  }
}

function validBody(endpoint: Endpoint, ids: Ids): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(endpoint.fields)) body[name] = isFromIds(field.valid) ? field.valid.fromIds(ids) : field.valid;
  return body;
}

function render(endpoint: Endpoint, testCase: Case, ids: Ids): { path: string; raw: string | undefined } {
  const mutation = testCase.mutation;
  const body = validBody(endpoint, ids);
  for (const [name, value] of Object.entries(testCase.decorations)) body[name] = value;
  let path = endpoint.path(ids);
  if (mutation.type === 'delete') delete body[mutation.field];
  if (mutation.type === 'extra') body[mutation.key] = mutation.value;
  if (mutation.type === 'replace') body[mutation.field] = mutation.value;
  if (mutation.type === 'path') path = endpoint.path(ids, encodePathParam(mutation.value));
  if (endpoint.bodiless && mutation.type !== 'path' && mutation.type !== 'oversized') path = endpoint.path(ids, 'not-valid');
  if (mutation.type === 'rawBody') return { path, raw: mutation.raw };
  if (mutation.type === 'oversized') return { path, raw: JSON.stringify({ ...body, memo: 'x'.repeat(1_100_000) }) };
  let raw = JSON.stringify(body);
  // Numbers JSON.stringify cannot write (1e309) go in as raw JSON number literals.
  raw = raw.replace(new RegExp(`"${RAW_NUMBER}([^"]*)"`, 'g'), '$1');
  return { path, raw };
}

/**
 * What a refused request must not have changed, per fuzzed entity: the number of journal
 * entries and lines, and a digest of every grant row (updates included: a draft edited or a
 * status moved changes the digest) and of every disclosure's countersignature.
 */
async function writtenState(entityIds: string[], foundationId: string) {
  const digest = async (sql: string, bindings: unknown[]) => {
    const result = await ctx.db.raw(`select count(*)::text as rows, coalesce(md5(string_agg(t::text, '|' order by t::text)), '') as digest from (${sql}) t`, bindings as never);
    const [row] = result.rows as { rows: string; digest: string }[];
    return `${row.rows}:${row.digest}`;
  };
  const ofApplications = (table: string) => digest(`select x.* from ${table} x join grant_applications a on a.id = x.application_id where a.entity_id = ?`, [foundationId]);
  const state: Record<string, string> = {};
  for (const entityId of entityIds) {
    state[`entries ${entityId}`] = await digest('select id from entries where entity_id = ?', [entityId]);
    state[`entry_lines ${entityId}`] = await digest('select id from entry_lines where entity_id = ?', [entityId]);
    state[`funds ${entityId}`] = await digest('select code from funds where entity_id = ?', [entityId]);
    state[`projects ${entityId}`] = await digest('select id, ends_on from projects where entity_id = ?', [entityId]);
    state[`disclosures ${entityId}`] = await digest('select id, version, countersigned_at from disclosures where entity_id = ?', [entityId]);
    state[`periods ${entityId}`] = await digest('select period from periods where entity_id = ?', [entityId]);
  }
  state.grant_rounds = await digest('select * from grant_rounds where entity_id = ?', [foundationId]);
  state.grant_applications = await digest('select * from grant_applications where entity_id = ?', [foundationId]);
  for (const table of ['grant_history', 'grant_reviewers', 'grant_reviews', 'grant_tranches', 'grant_disbursements', 'grant_reports', 'grant_refunds', 'grant_amendments']) {
    state[table] = await ofApplications(table);
  }
  return state;
}

describe('fuzzing the write endpoints', () => {
  test('20,000 generated malformed or hostile requests all get a 4xx problem+json and write nothing', async () => {
    const { entity, treasurer, supervisor } = await stationWithStaff(ctx, { approvalThreshold: '1000.00' });
    const boss = await admin(ctx);
    const victim = await createUser(ctx, [{ role: 'applicant' }]);
    const posted = await receive(ctx, treasurer, entity.id, '50.00');
    // A published (not countersigned) report of an empty, closed February.
    expect((await ctx.request().post(`/api/entities/${entity.id}/periods/2026-02/close`).set(treasurer.auth)).status).toBe(200);
    const published = await ctx.request().post(`/api/entities/${entity.id}/disclosures`).set(treasurer.auth).send({ period: '2026-02' });
    expect(published.status).toBe(201);
    const grants = await grantScenario(ctx);
    const targets = async (): Promise<Omit<Ids, 'entityId' | 'entryId' | 'userId' | 'foundationId' | 'stationId' | 'reviewerId' | 'roundId' | 'disclosureId'>> => ({
      draftId: (await grants.application('draft')).id,
      submittedId: (await grants.application('submitted')).id,
      withdrawableId: (await grants.application('submitted')).id,
      reviewingId: (await grants.application('under_review')).id,
      reviewedId: (await grants.application('reviewed')).id,
      activeId: (await grants.application('active')).id,
      reportingId: (await grants.application('reporting')).id,
    });
    const ids: Ids = {
      entityId: entity.id,
      entryId: posted.id,
      userId: victim.id,
      foundationId: grants.foundationId,
      stationId: grants.station.entity.id,
      reviewerId: grants.reviewer.id,
      roundId: grants.round.id,
      disclosureId: published.body.id,
      ...(await targets()),
    };
    const tokens: Record<Actor, string | undefined> = {
      anonymous: undefined,
      admin: boss.token,
      treasurer: treasurer.token,
      supervisor: (supervisor as TestUser).token,
      grant_manager: grants.gm.token,
      reviewer: grants.reviewer.token,
      applicant: grants.applicant.token,
    };
    const fuzzedEntities = [entity.id, grants.foundationId, grants.station.entity.id];
    const before = await writtenState(fuzzedEntities, grants.foundationId);

    const cases = fc.sample(caseArbitrary, { numRuns: 20_000, seed: 7_0707 });
    const families = new Map<string, { cases: number; statuses: Record<number, number> }>();
    const failures: string[] = [];
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (;;) {
          const index = next++;
          if (index >= cases.length) return;
          const endpoint = ENDPOINTS[cases[index].endpoint];
          const { path, raw } = render(endpoint, cases[index], ids);
          const response = await call(server.baseUrl, endpoint.method, path, { token: tokens[endpoint.actor], raw });
          const family = families.get(endpoint.family) ?? { cases: 0, statuses: {} };
          family.cases += 1;
          family.statuses[response.status] = (family.statuses[response.status] ?? 0) + 1;
          families.set(endpoint.family, family);
          const leaks = /at \S+ \(|node_modules|select |insert into|SQLSTATE|syntax error/i.test(response.text);
          if (response.status < 400 || response.status >= 500 || !response.contentType.startsWith('application/problem+json') || leaks) {
            if (failures.length < 10) failures.push(`${endpoint.name} ${endpoint.method} ${path} ${raw?.slice(0, 300)} → ${response.status} ${response.contentType} ${response.text.slice(0, 300)}`);
          }
        }
      }),
    );
    const elapsed = Date.now() - started;
    process.stdout.write(`fuzz: ${cases.length} cases over ${ENDPOINTS.length} endpoints in ${elapsed} ms\n`);
    for (const [name, family] of families) process.stdout.write(`fuzz ${name}: ${family.cases} cases, statuses ${JSON.stringify(family.statuses)}\n`);
    expect(failures).toEqual([]);
    expect(await writtenState(fuzzedEntities, grants.foundationId)).toEqual(before);
    const verify = await ctx.request().get(`/api/entities/${entity.id}/verify`).set(treasurer.auth);
    expect(verify.body).toMatchObject({ ok: true, entries: 1 });

    // The targets were live: each grant and disclosure request, unmutated, succeeds on a
    // target in the same state, so a mutation that slipped through would have written.
    const fresh: Ids = { ...ids, ...(await targets()) };
    const controls: string[] = [];
    for (const endpoint of [...GRANT_ENDPOINTS, ...DISCLOSURE_ENDPOINTS]) {
      const response = await call(server.baseUrl, endpoint.method, endpoint.path(fresh), { token: tokens[endpoint.actor], body: endpoint.bodiless ? undefined : validBody(endpoint, fresh) });
      controls.push(`${endpoint.name} ${response.status >= 200 && response.status < 300 ? '2xx' : `${response.status} ${response.text.slice(0, 200)}`}`);
    }
    expect(controls).toEqual([...GRANT_ENDPOINTS, ...DISCLOSURE_ENDPOINTS].map((endpoint) => `${endpoint.name} 2xx`));
    // And the digests see those writes, so the unchanged-state check above could have failed.
    const after = await writtenState(fuzzedEntities, grants.foundationId);
    const changed = Object.keys(after).filter((key) => after[key] !== before[key]);
    expect(changed).toEqual(expect.arrayContaining(['grant_rounds', 'grant_applications', 'grant_history', 'grant_reviewers', 'grant_reviews', 'grant_tranches', 'grant_disbursements', 'grant_reports', 'grant_refunds', 'grant_amendments', `disclosures ${entity.id}`, `entries ${grants.foundationId}`]));
  });

  test('hostile but well-formed text is stored verbatim or refused with a 4xx, never a 5xx', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const seen = new Map<number, number>();
    for (const text of [...HOSTILE_STRINGS, 'a\u0000b', '\u0000']) {
      const receipt = await call(server.baseUrl, 'POST', `/api/entities/${entity.id}/receipts`, {
        token: treasurer.token,
        body: { kind: 'donation', date: '2026-03-15', amount: '1.00', method: 'cash', payer: text, memo: text.trim() ? text : undefined },
      });
      const payment = await call(server.baseUrl, 'POST', `/api/entities/${entity.id}/payments`, {
        token: treasurer.token,
        body: { date: '2026-03-15', amount: '0.01', method: 'cash', payee: text, purpose: text, category: 'admin' },
      });
      for (const response of [receipt, payment]) {
        seen.set(response.status, (seen.get(response.status) ?? 0) + 1);
        if (response.status >= 500) process.stdout.write(`5xx for ${JSON.stringify(text)}: ${response.text}\n`);
        expect(response.status === 201 || (response.status >= 400 && response.status < 500)).toBe(true);
        if (response.status !== 201) expect(response.contentType).toContain('application/problem+json');
      }
      if (receipt.status === 201) {
        const stored = await ctx.request().get(`/api/entities/${entity.id}/entries/${receipt.body.id}`).set(treasurer.auth);
        expect(stored.body.memo).toBe(text.trim() ? text.trim() : '捐赠收入');
      }
    }
    process.stdout.write(`fuzz (well-formed hostile text): statuses ${JSON.stringify(Object.fromEntries(seen))}\n`);
    const verify = await ctx.request().get(`/api/entities/${entity.id}/verify`).set(treasurer.auth);
    expect(verify.body.ok).toBe(true);
  });

  test('a rubric criterion named like a built-in property (constructor) still has to be scored', async () => {
    const grants = await grantScenario(ctx);
    const rubric = [
      { key: 'constructor', label: '构造', weight: 1 },
      { key: 'impact', label: '社区影响', weight: 2 },
    ];
    const round = await ctx.request().post('/api/rounds').set(grants.gm.auth).send({ ...grants.roundBody, rubric });
    expect(round.status).toBe(201);
    const draft = await ctx.request().post(`/api/rounds/${round.body.id}/applications`).set(grants.applicant.auth).send(grants.applicationBody);
    const at = `/api/applications/${draft.body.id}`;
    expect((await ctx.request().post(`${at}/submit`).set(grants.applicant.auth)).status).toBe(200);
    expect((await ctx.request().post(`${at}/reviewers`).set(grants.gm.auth).send({ userIds: [grants.reviewer.id] })).status).toBe(200);

    const partial = await ctx.request().post(`${at}/reviews`).set(grants.reviewer.auth).send({ conflictOfInterest: false, scores: { impact: 4 } });
    expect(partial.status).toBe(400);
    expect(partial.body.errors).toEqual([{ path: 'body.scores.constructor', message: 'required: every rubric criterion is scored' }]);
    expect((await ctx.request().get(`${at}/reviews/mine`).set(grants.reviewer.auth)).status).toBe(404);
    const full = await ctx.request().post(`${at}/reviews`).set(grants.reviewer.auth).send({ conflictOfInterest: false, scores: { constructor: 1, impact: 4 } });
    expect(full.status).toBe(201);
    // (1×1 + 2×4) / 3 = 3
    expect((await ctx.request().get(at).set(grants.gm.auth)).body.weightedScore).toBe('3.00');
  });
});
