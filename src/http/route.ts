/**
 * Declares an HTTP route once: the express handler with zod validation of params, query and
 * body, and its OpenAPI description from the same schemas. Routes hold no knex and no
 * arithmetic: they parse, call a service and present.
 */
import type { Request, Response, Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z, ZodType } from 'zod';
import { DomainError } from '../shared/errors';
import { recordKeys } from '../shared/schemas';
import { zodFieldErrors } from './problem';
import { checkAnswer, checkAnswerInDocument, ProblemDetails } from './responses';
import type { Actor } from '../auth/actor';

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

export interface RouteSpec<P extends ZodType, Q extends ZodType, B extends ZodType> {
  method: Method;
  path: string;
  summary: string;
  tags: string[];
  /** false for public endpoints; otherwise a valid token is required. */
  auth: boolean;
  params?: P;
  query?: Q;
  body?: B;
  status?: number;
  responseDescription?: string;
  /** The JSON body of the success answer; under test every answer is checked against it. */
  response?: ZodType;
  /** A success answer that is not JSON: its body schema by media type (a PDF, plain text). */
  responseContent?: Record<string, ZodType>;
  /** Documented request headers, e.g. Idempotency-Key. */
  idempotent?: boolean;
}

export interface RouteContext<P, Q, B> {
  req: Request;
  res: Response;
  actor: Actor;
  params: P;
  query: Q;
  body: B;
  idempotencyKey: string | undefined;
}

export interface RouteTarget {
  router: Router;
  registry: OpenAPIRegistry;
}

const IDEMPOTENCY_KEY = z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

export function defineRoute<P extends ZodType = ZodType, Q extends ZodType = ZodType, B extends ZodType = ZodType>(
  target: RouteTarget,
  spec: RouteSpec<P, Q, B>,
  handler: (ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>) => Promise<unknown>,
): void {
  const openApiPath = spec.path.replace(/:([A-Za-z]+)/g, '{$1}');
  target.registry.registerPath({
    method: spec.method,
    path: openApiPath,
    summary: spec.summary,
    tags: spec.tags,
    security: spec.auth ? [{ bearerAuth: [] }] : [],
    request: {
      ...(spec.params ? { params: spec.params as never } : {}),
      ...(spec.query ? { query: spec.query as never } : {}),
      ...(spec.body ? { body: { content: { 'application/json': { schema: spec.body } } } } : {}),
      ...(spec.idempotent ? { headers: z.object({ 'Idempotency-Key': IDEMPOTENCY_KEY.optional() }) as never } : {}),
    },
    responses: {
      [spec.status ?? 200]: { description: spec.responseDescription ?? 'Success', ...successContent(spec) },
      default: { description: 'Problem details (RFC 9457)', content: { 'application/problem+json': { schema: ProblemDetails } } },
    },
  });

  const route = `${spec.method.toUpperCase()} ${spec.path}`;
  target.router[spec.method](spec.path, async (req: Request, res: Response) => {
    if (CHECK_ANSWERS) checkAnswers(res, route, spec.response, { path: openApiPath, method: spec.method });
    const actor = req.actor;
    if (spec.auth && !actor) {
      throw new DomainError('unauthenticated', 'A valid bearer token is required.');
    }
    const params = parsePart(spec.params, req.params, 'params');
    refuseAmbiguousQuery(spec.query, req.query);
    const query = parsePart(spec.query, req.query, 'query');
    const body = parsePart(spec.body, spec.body && req.body === undefined ? {} : req.body, 'body');
    const rawKey = req.get('Idempotency-Key');
    const keyParse = rawKey === undefined ? undefined : IDEMPOTENCY_KEY.safeParse(rawKey);
    if (keyParse && !keyParse.success) {
      throw new DomainError('invalid_request', 'The Idempotency-Key header is not valid.', {
        errors: [{ path: 'headers.Idempotency-Key', message: '1 to 200 printable ASCII characters, no spaces' }],
      });
    }
    const result = await handler({
      req,
      res,
      actor: actor as Actor,
      params,
      query,
      body,
      idempotencyKey: keyParse?.success ? keyParse.data : undefined,
    });
    if (res.headersSent) return;
    if (result && typeof result === 'object' && 'status' in result && 'body' in result && (result as Replay).replay) {
      const replay = result as Replay;
      res.status(replay.status).json(replay.body);
      return;
    }
    res.status(spec.status ?? 200).json(result);
  });
}

function successContent(spec: { response?: ZodType; responseContent?: Record<string, ZodType> }) {
  const media = spec.response ? { 'application/json': spec.response } : spec.responseContent;
  if (!media) return {};
  return { content: Object.fromEntries(Object.entries(media).map(([type, schema]) => [type, { schema }])) };
}

/** Under test (jest sets NODE_ENV), every JSON success answer must match its declared schema. */
const CHECK_ANSWERS = process.env.NODE_ENV === 'test';

/**
 * Checks each JSON body the route sends with a 2xx status (res.json, a replay, pieces sent
 * whole) before it goes out; a mismatch throws, so the test sees a 500 naming the route. A
 * statement long enough to go out piece by piece (res.write) is not checked.
 */
function checkAnswers(res: Response, route: string, schema: ZodType | undefined, operation: { path: string; method: string }): void {
  const send = res.send.bind(res);
  res.send = (body?: unknown) => {
    const type = String(res.get('Content-Type') ?? '');
    if (res.statusCode >= 200 && res.statusCode < 300 && type.startsWith('application/json')) {
      const json = typeof body === 'string' ? JSON.parse(body) : body;
      checkAnswer(route, schema, json);
      checkAnswerInDocument(route, operation.path, operation.method, res.statusCode, json);
    }
    return send(body);
  };
}

/**
 * Sends a JSON document that arrives in pieces (a long statement). The first piece is awaited
 * before anything is written, so a refusal (not found, forbidden, a bad range) is still a
 * problem+json answer. A document that ends within 64 K characters goes out whole like any
 * other answer (Content-Length, weak ETag); a longer one is written piece by piece as it comes.
 * A failure after the first byte can only cut the connection (see errorHandler).
 */
export async function sendJsonPieces(res: Response, pieces: AsyncGenerator<string>): Promise<void> {
  const held: string[] = [];
  let size = 0;
  let next = await pieces.next();
  while (!next.done && size + next.value.length <= WHOLE_UP_TO) {
    held.push(next.value);
    size += next.value.length;
    next = await pieces.next();
  }
  res.type('application/json');
  if (next.done) {
    res.send(held.join(''));
    return;
  }
  for (const piece of held) res.write(piece);
  while (!next.done) {
    res.write(next.value);
    next = await pieces.next();
  }
  res.end();
}

const WHOLE_UP_TO = 64 * 1024;

/** A stored answer to an idempotent request, sent back as it was. */
export interface Replay {
  replay: true;
  status: number;
  body: unknown;
}

function parsePart<S extends ZodType>(schema: S | undefined, value: unknown, part: string): z.output<S> {
  if (!schema) return undefined as z.output<S>;
  const unstorable: { path: string; message: string }[] = [];
  for (const found of unstorableText(value, part)) if (unstorable.push(found) === MAX_LISTED_ERRORS) break;
  if (unstorable.length > 0) throw new DomainError('invalid_request', describe(part), { errors: unstorable });
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const errors = zodFieldErrors(parsed.error, part);
    if (part === 'params' && parsed.error.issues.every((issue) => namesRecord(schema, issue.path[0]))) {
      throw new DomainError('not_found', 'Nothing is found at this path: it does not name a record.', { errors });
    }
    throw new DomainError('invalid_request', describe(part), { errors });
  }
  return parsed.data;
}

const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** More are not listed: a client sending thousands of broken strings learns enough from these. */
const MAX_LISTED_ERRORS = 20;

/**
 * Where the strings (and field names) Postgres cannot store as text are: ones with a NUL, or
 * with half of a UTF-16 surrogate pair. Refused up front so the 400 names each field (for a
 * field name, the object holding it); the database would refuse them too, but without saying where.
 */
function* unstorableText(value: unknown, path: string): Generator<{ path: string; message: string }> {
  const message = 'contains a NUL character or a broken (lone surrogate) character, which cannot be stored';
  if (typeof value === 'string') {
    if (UNSTORABLE.test(value)) yield { path, message };
    return;
  }
  if (!value || typeof value !== 'object') return;
  for (const [key, item] of Object.entries(value)) {
    if (UNSTORABLE.test(key)) yield { path, message: `a field name here ${message}` };
    yield* unstorableText(item, `${path}.${key}`);
  }
}

/**
 * `?asOf[]=2026-11-01` or `?cursor[a]=b` reaches us as a key named `asOf[]`: a client writing a
 * parameter in another framework's array or object form. Ignoring it would answer for a
 * different question (today's trial balance, the first page), so it is a 400 like a bad value;
 * so is a parameter given twice (`asOf=a&asOf=b`), said as such rather than as a type error.
 */
function refuseAmbiguousQuery(schema: ZodType | undefined, query: unknown): void {
  if (!(schema instanceof z.ZodObject) || !query || typeof query !== 'object') return;
  const known = schema.shape as Record<string, unknown>;
  const bracketed = Object.keys(query)
    .filter((key) => key.includes('['))
    .map((key) => key.slice(0, key.indexOf('[')))
    .filter((name) => name !== '' && name in known)
    .map((name) => ({ path: `query.${name}`, message: 'a single value, written name=value (no brackets)' }));
  const repeated = Object.entries(query as Record<string, unknown>)
    .filter(([name, value]) => name in known && Array.isArray(value))
    .map(([name]) => ({ path: `query.${name}`, message: 'a single value; the parameter was given more than once' }));
  const errors = [...bracketed, ...repeated];
  if (errors.length > 0) throw new DomainError('invalid_request', describe('query'), { errors });
}

/** Whether the path parameter `key` names a record (an id, an account code), see recordKeys. */
function namesRecord(schema: ZodType, key: PropertyKey | undefined): boolean {
  if (!(schema instanceof z.ZodObject) || typeof key !== 'string') return false;
  const field = (schema.shape as Record<string, ZodType | undefined>)[key];
  return field !== undefined && recordKeys.has(field);
}

function describe(part: string): string {
  switch (part) {
    case 'body':
      return 'The request body is not valid; see errors for each field.';
    case 'query':
      return 'The query parameters are not valid.';
    default:
      return 'The path is not valid.';
  }
}
