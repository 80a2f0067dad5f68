/**
 * Builds the express application from its dependencies, without listening: main.ts serves
 * it, supertest drives it. Middleware order: request id → security headers → body parsing →
 * authentication → routes → 404 → problem details.
 */
import crypto from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import express, { Express, Router } from 'express';
import compression from 'compression';
import helmet from 'helmet';
import etag from 'etag';
import cookieParser from 'cookie-parser';
import type { Knex } from 'knex';
import type { Config } from './config';
import type { Clock } from './shared/clock';
import type { Logger } from './shared/logger';
import { authenticate } from './http/authenticate';
import { createRegistry, openApiDocument } from './http/openapi';
import { checkAnswersAgainst } from './http/responses';
import { errorHandler, problemOf, sendProblem } from './http/problem';
import { DomainError } from './shared/errors';
import type { RouteTarget } from './http/route';
import { authRoutes } from './auth/routes';
import { disclosureRoutes } from './disclosure/routes';
import { grantsRoutes } from './grants/routes';
import { approvalFlagRoutes, ledgerRoutes } from './ledger/routes';
import { webRouter } from './web/routes';

export interface AppDeps {
  config: Config;
  db: Knex;
  clock: Clock;
  logger: Logger;
}

const MAX_ETAG_BODY = 64 * 1024;

/** A database that does not answer `select 1` this fast is reported unhealthy (a hung one never answers). */
const HEALTH_TIMEOUT_MS = 3_000;

/** Answers worth gzipping: pages, JSON (problem+json too), CSS, scripts, SVG. */
const COMPRESSIBLE = /^(text\/|application\/(json|problem\+json|javascript)|image\/svg\+xml)/;

function withinMs<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer in time')), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A JSON body must be UTF-8 (RFC 8259). Bytes that are not would be read as U+FFFD and stored:
 * a payer's name with a replacement character in it, where the client sent something else.
 */
function refuseBrokenUtf8(_req: unknown, _res: unknown, body: Buffer): void {
  if (!isUtf8(body)) throw new DomainError('malformed_json', 'The request body is not valid UTF-8.');
}

export function buildApp(deps: AppDeps): Express {
  const { config, db, clock, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  // Weak ETags as express makes them, but only for bodies up to 64 KB (pages, most JSON): a
  // month's statement is ~600 KB of live data, and hashing it on every request cost ~1 ms of
  // CPU to save a re-download that changing books rarely allow. PDFs set their own strong ETag.
  app.set('etag', (body: string | Buffer, encoding?: BufferEncoding) =>
    body.length > MAX_ETAG_BODY ? undefined : etag(typeof body === 'string' ? Buffer.from(body, encoding) : body, { weak: true }),
  );
  app.set('trust proxy', 'loopback');

  app.use((req, res, next) => {
    req.id = crypto.randomUUID();
    res.setHeader('X-Request-Id', req.id);
    next();
  });
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: { 'img-src': ["'self'", 'data:'], 'script-src': ["'self'"], 'style-src': ["'self'", "'unsafe-inline'"] },
      },
    }),
  );
  // Pages, JSON, CSS and SVG are sent gzipped to a client that asks (a year's public report page
  // is ~900 KB of HTML, ~55 KB gzipped, for residents on phones). Only reads: a write's answer
  // is small, and the posting path pays nothing for it. PDFs (compressed already) and the font
  // (10 MB, cached by the browser; gzipping it would cost every first visit ~0.3 s of CPU) go as they are.
  const gzip = compression({ filter: (req, res) => COMPRESSIBLE.test(String(res.getHeader('Content-Type') ?? '')) && compression.filter(req, res) });
  app.use((req, res, next) => (req.method === 'GET' || req.method === 'HEAD' ? gzip(req, res, next) : next()));
  app.use(express.json({ limit: '1mb', strict: true, verify: refuseBrokenUtf8 }));
  app.use(express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 200 }));
  app.use(cookieParser());
  app.use(authenticate({ db, jwtSecret: config.jwtSecret }));

  // Healthy means the database answers too: a supervisor or load balancer must not keep
  // sending work to a service whose Postgres has died.
  app.get('/healthz', async (_req, res) => {
    try {
      await withinMs(HEALTH_TIMEOUT_MS, deps.db.raw('select 1'));
      res.json({ ok: true });
    } catch {
      res.status(503).set('Retry-After', '30').json({ ok: false, database: 'unreachable' });
    }
  });

  const registry = createRegistry();
  const router = Router();
  const target: RouteTarget = { router, registry };
  authRoutes(target, { db, jwtSecret: config.jwtSecret, loginRateLimit: config.loginRateLimit });
  ledgerRoutes(target, { db, clock });
  disclosureRoutes(target, { db, clock, publicUrl: config.publicUrl });
  grantsRoutes(target, { db, clock });
  approvalFlagRoutes(target, { db });
  app.use(router);

  const document = openApiDocument(registry);
  if (process.env.NODE_ENV === 'test') checkAnswersAgainst(document);
  app.get('/api/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.use(webRouter({ db, clock, config, logger }));

  app.use((req, res) => {
    sendProblem(res, problemOf('not_found', `No route for ${req.method} ${req.path}.`));
  });
  app.use(errorHandler(logger));
  return app;
}
