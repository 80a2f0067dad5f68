/**
 * Fuzzing every write endpoint of the books and of identity with generated malformed or
 * hostile requests (fast-check): each case starts from a valid request and carries at least
 * one mutation that makes it invalid (a missing field, an unknown field, a wrong type, a bad
 * amount, a bad path id, bad JSON, an oversized body), decorated with hostile strings (SQL,
 * HTML, unicode) in other fields. Every answer must be a 4xx problem+json, never a 5xx, and
 * the journal of the fuzzed entity must be exactly as it was.
 */
import fc from 'fast-check';
import { useTestContext } from '../support/context';
import { call, listenInProcess, Listening } from '../support/child-service';
import { admin, createUser, receive, stationWithStaff, TestUser } from '../factories';

jest.setTimeout(110_000);

const ctx = useTestContext();
let server: Listening;

beforeAll(async () => {
  server = await listenInProcess(ctx.app);
});
afterAll(async () => {
  await server?.close();
});

type Kind = 'money' | 'signedMoney' | 'date' | 'text' | 'code' | 'accountCode' | 'enum' | 'bool' | 'uuid' | 'lines' | 'roles' | 'optionalText';
interface Field {
  kind: Kind;
  required: boolean;
  valid: unknown;
}
interface Endpoint {
  name: string;
  method: 'POST' | 'DELETE';
  path: (ids: Ids, hostile?: string) => string;
  actor: 'anonymous' | 'admin' | 'treasurer' | 'supervisor';
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
}

const f = (kind: Kind, valid: unknown, required = true): Field => ({ kind, valid, required });

const ENDPOINTS: Endpoint[] = [
  { name: 'login', method: 'POST', path: () => '/api/auth/login', actor: 'anonymous', strict: false, fields: { username: f('text', 'nobody'), password: f('text', 'whatever-pw') } },
  {
    name: 'create user',
    method: 'POST',
    path: () => '/api/users',
    actor: 'admin',
    strict: true,
    fields: { username: f('code', 'fuzz_user'), password: f('text', 'password-123'), displayName: f('text', '测试'), roles: f('roles', [], false) },
  },
  { name: 'assign roles', method: 'POST', path: (ids, hostile) => `/api/users/${hostile ?? ids.userId}/roles`, actor: 'admin', strict: true, pathParam: true, fields: { roles: f('roles', [{ role: 'applicant' }]) } },
  { name: 'delete user', method: 'DELETE', path: (_ids, hostile) => `/api/users/${hostile ?? 'x'}`, actor: 'admin', strict: false, pathParam: true, bodiless: true, fields: {} },
  {
    name: 'create entity',
    method: 'POST',
    path: () => '/api/entities',
    actor: 'admin',
    strict: true,
    fields: { code: f('code', 'FUZZ-1'), name: f('text', '公益站'), kind: f('enum', 'station'), approvalThreshold: f('money', '100.00', false) },
  },
  { name: 'create account', method: 'POST', path: (ids, h) => `/api/entities/${h ?? ids.entityId}/accounts`, actor: 'treasurer', strict: true, pathParam: true, fields: { code: f('accountCode', '100101'), name: f('text', '零钱'), parentCode: f('accountCode', '1001') } },
  { name: 'create fund', method: 'POST', path: (ids, h) => `/api/entities/${h ?? ids.entityId}/funds`, actor: 'treasurer', strict: true, pathParam: true, fields: { code: f('code', 'LAMP'), name: f('text', '路灯基金'), restricted: f('bool', true), purpose: f('optionalText', '路灯', false) } },
  { name: 'create project', method: 'POST', path: (ids, h) => `/api/entities/${h ?? ids.entityId}/projects`, actor: 'treasurer', strict: true, pathParam: true, fields: { code: f('code', 'P1'), name: f('text', '百家宴'), startsOn: f('date', '2026-01-01', false), endsOn: f('date', '2026-12-31', false) } },
  {
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
  { name: 'reverse', method: 'POST', path: (ids, h) => `/api/entities/${ids.entityId}/entries/${h ?? ids.entryId}/reverse`, actor: 'treasurer', strict: true, pathParam: true, fields: { date: f('date', '2026-03-16'), reason: f('text', '录错') } },
  { name: 'approve', method: 'POST', path: (ids, h) => `/api/entities/${ids.entityId}/entries/${h ?? ids.entryId}/approve`, actor: 'supervisor', strict: false, pathParam: true, bodiless: true, fields: {} },
  {
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
    name: 'reconciliation',
    method: 'POST',
    path: (ids, h) => `/api/entities/${h ?? ids.entityId}/reconciliations`,
    actor: 'treasurer',
    strict: true,
    pathParam: true,
    fields: { date: f('date', '2026-03-31'), cashCounted: f('money', '10.00'), bankStatementBalance: f('signedMoney', '0.00'), note: f('optionalText', '月末', false) },
  },
  { name: 'close period', method: 'POST', path: (ids, h) => `/api/entities/${ids.entityId}/periods/${h ?? 'x'}/close`, actor: 'treasurer', strict: false, pathParam: true, bodiless: true, fields: {} },
];

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
function invalidFor(kind: Kind): fc.Arbitrary<unknown> {
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
      return fc.oneof(wrongTypes, fc.constantFrom('', '   ', '\t\n'), fc.nat({ max: 3 }).map((n) => '长'.repeat(1001 + n * 20_000)));
    case 'optionalText':
      return fc.oneof(fc.boolean(), fc.integer(), fc.constant({}), fc.constant([]), fc.nat({ max: 3 }).map((n) => 'x'.repeat(1001 + n * 30_000)));
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
    case 'roles':
      return fc.oneof(wrongTypes, hostile, fc.constant([{ role: 'root' }]), fc.constant([{ role: 'treasurer', entityId: "' or 1=1" }]), fc.constant(Array.from({ length: 51 }, () => ({ role: 'applicant' }))));
  }
}

/** Path parameters that are not a valid id, month or anything the route accepts. */
const hostilePathParam = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
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
        invalidFor(endpoint.fields[field].kind)
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

function render(endpoint: Endpoint, testCase: Case, ids: Ids): { path: string; raw: string | undefined } {
  const mutation = testCase.mutation;
  const body: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(endpoint.fields)) body[name] = field.valid;
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

async function journalCounts(entityId: string) {
  const entries = await ctx.db('entries').where({ entity_id: entityId }).count<{ count: string }[]>('* as count');
  const lines = await ctx.db('entry_lines').where({ entity_id: entityId }).count<{ count: string }[]>('* as count');
  return { entries: entries[0].count, lines: lines[0].count };
}

describe('fuzzing the write endpoints', () => {
  test('10,000 generated malformed or hostile requests all get a 4xx problem+json and write nothing', async () => {
    const { entity, treasurer, supervisor } = await stationWithStaff(ctx, { approvalThreshold: '1000.00' });
    const boss = await admin(ctx);
    const victim = await createUser(ctx, [{ role: 'applicant' }]);
    const posted = await receive(ctx, treasurer, entity.id, '50.00');
    const ids: Ids = { entityId: entity.id, entryId: posted.id, userId: victim.id };
    const tokens: Record<Endpoint['actor'], string | undefined> = { anonymous: undefined, admin: boss.token, treasurer: treasurer.token, supervisor: (supervisor as TestUser).token };
    const before = await journalCounts(entity.id);

    const cases = fc.sample(caseArbitrary, { numRuns: 10_000, seed: 7_0707 });
    const statuses = new Map<number, number>();
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
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const leaks = /at \S+ \(|node_modules|select |insert into|SQLSTATE|syntax error/i.test(response.text);
          if (response.status < 400 || response.status >= 500 || !response.contentType.startsWith('application/problem+json') || leaks) {
            if (failures.length < 10) failures.push(`${endpoint.name} ${path} ${raw?.slice(0, 300)} → ${response.status} ${response.contentType} ${response.text.slice(0, 300)}`);
          }
        }
      }),
    );
    const elapsed = Date.now() - started;
    process.stdout.write(`fuzz: ${cases.length} cases in ${elapsed} ms, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`);
    expect(failures).toEqual([]);
    expect(await journalCounts(entity.id)).toEqual(before);
    const verify = await ctx.request().get(`/api/entities/${entity.id}/verify`).set(treasurer.auth);
    expect(verify.body).toMatchObject({ ok: true, entries: 1 });
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
});
