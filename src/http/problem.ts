/**
 * RFC 9457 problem details, written in one place. Domain codes map to HTTP statuses in one
 * table; Postgres errors are classified by SQLSTATE (and the hint our triggers set), never by
 * message. Anything unclassified is a programmer error: a logged 500 with a request id, and no
 * SQL or stack trace in the body.
 */
import type { ErrorRequestHandler, Request, Response } from 'express';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { DomainError, FieldError } from '../shared/errors';
import { domainErrorFrom } from '../db/pg-errors';
import { LARGEST_AMOUNT } from '../shared/money';

export const STATUS_BY_CODE: Record<string, number> = {
  invalid_request: 400,
  malformed_json: 400,
  payload_too_large: 413,
  // The file rule of attachments (API.md: JPEG, PNG or PDF by content, at most 5 MB) is input
  // like any other field: breaking it is a 400, with its own code.
  unsupported_media_type: 400,
  file_too_large: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  forbidden: 403,
  self_approval: 403,
  not_found: 404,
  too_many_requests: 429,
  duplicate: 409,
  period_closed: 409,
  period_already_closed: 409,
  period_in_future: 409,
  pending_entries_in_period: 409,
  already_reversed: 409,
  period_not_closed: 409,
  already_countersigned: 409,
  not_pending: 409,
  idempotency_key_reused: 409,
  append_only: 409,
  invalid_state: 409,
  round_budget_exceeded: 409,
  disbursement_exceeds_award: 409,
  round_not_open: 409,
  already_reviewed: 409,
  reviewer_has_reviewed: 409,
  not_enough_reviews: 409,
  tranche_condition_unmet: 409,
  refund_exceeds_disbursed: 409,
  refund_before_disbursement: 422,
  account_has_postings: 409,
  entry_not_balanced: 422,
  unknown_account: 422,
  header_account: 422,
  net_assets_fund_mismatch: 422,
  restricted_release_by_hand: 422,
  unknown_fund: 422,
  unknown_project: 422,
  insufficient_funds: 422,
  amount_too_large: 422,
  reversal_before_original: 422,
  accounting_rule: 422,
  not_a_foundation: 422,
  unknown_station: 422,
  not_a_reviewer: 422,
  service_unavailable: 503,
  award_exceeds_request: 422,
  tranches_mismatch: 422,
  unknown_budget_line: 422,
  report_lines_mismatch: 422,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
  500: 'Internal Server Error',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors: FieldError[];
  [extra: string]: unknown;
}

export function problemOf(code: string, detail: string, errors: FieldError[] = [], extra: Record<string, unknown> = {}): Problem {
  const status = STATUS_BY_CODE[code] ?? 500;
  return { type: `urn:community-fund:problem:${code}`, title: TITLES[status] ?? 'Error', status, detail, code, errors, ...extra };
}

export function sendProblem(res: Response, problem: Problem): void {
  if (problem.status === 503) res.set('Retry-After', String(RETRY_AFTER_SECONDS));
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}

const RETRY_AFTER_SECONDS = 30;

/**
 * The database is down or restarting (its process died, it is shutting down, the pool waited
 * in vain for a connection): nothing about the request is wrong, and sending it again later
 * may work, so it is a 503 with Retry-After, not a 500. A write refused this way was rolled back.
 */
function databaseUnavailable(error: unknown, depth = 0): boolean {
  const e = error as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown } | null;
  if (!e || typeof e !== 'object' || depth > 3) return false;
  if (typeof e.code === 'string' && (/^(08|57P)/.test(e.code) || ['53300', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(e.code))) return true;
  if (e.name === 'KnexTimeoutError') return true;
  if (typeof e.message === 'string' && CONNECTION_LOST.test(e.message)) return true;
  const inner = [e.cause, ...(Array.isArray(e.errors) ? e.errors : [])];
  return inner.some((cause) => databaseUnavailable(cause, depth + 1));
}

/** What pg and knex say, without a code, when the connection is gone or cannot be had (knex puts the SQL first). */
const CONNECTION_LOST = /(Connection terminated|Query read timeout|timeout expired|Client has encountered a connection error|Client was closed and is not queryable|Unable to acquire a connection|terminating connection|connect ECONNREFUSED|read ECONNRESET|write EPIPE)/;

export function zodFieldErrors(error: ZodError, prefix = ''): FieldError[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
    message: issue.message,
  }));
}

/** Translate any thrown value into a problem; `null` means it is a programmer error. */
export function classify(error: unknown): Problem | null {
  if (error instanceof DomainError) return problemOf(error.code, error.message, error.errors, error.extra);
  if (error instanceof ZodError) return problemOf('invalid_request', 'The request is not valid.', zodFieldErrors(error));
  const e = error as { type?: string; status?: number; code?: string; hint?: string; constraint?: string; detail?: string };
  if (e && e.type === 'entity.parse.failed') return problemOf('malformed_json', 'The request body is not valid JSON.');
  if (e && e.type === 'entity.too.large') return problemOf('payload_too_large', 'The request body is too large.');
  if (e && e.type === 'encoding.unsupported') return problemOf('invalid_request', 'Unsupported body encoding.');
  if (e && e.code === 'LIMIT_FILE_SIZE') return problemOf('file_too_large', 'The file is larger than 5 MB; send a JPEG, PNG or PDF of at most 5 MB.', [{ path: 'file', message: 'at most 5 MB' }]);
  if (e && typeof e.code === 'string' && e.code.startsWith('LIMIT_')) return problemOf('invalid_request', 'The upload is not valid.');
  if (databaseUnavailable(error)) return problemOf('service_unavailable', 'The database cannot be reached at the moment; nothing was saved. Try again in a minute.');
  if (e && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return classifyPostgres(e);
  return classifyClientError(error);
}

/**
 * What the HTTP plumbing refuses before a route runs, as http-errors with a 4xx status it marks
 * safe to show: a bad percent-escape in a path (the router), an unsupported charset or a body
 * that does not decompress (the body parsers). A robustness test found each answered 500.
 */
function classifyClientError(error: unknown): Problem | null {
  const e = error as { status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown } | null;
  const status = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : null;
  // The router's URIError carries its 400 without http-errors' `expose`; its message is ours.
  if (status === null || status < 400 || status > 499 || (e?.expose !== true && !(error instanceof URIError))) return null;
  if (status === 413) return problemOf('payload_too_large', 'The request body is too large.');
  const reason = typeof e?.message === 'string' && e.message.length <= 200 ? e.message : 'the request could not be read';
  if (status === 415) return problemOf('unsupported_media_type', `The request body cannot be read: ${reason}. Send UTF-8 JSON or form data.`);
  return problemOf('invalid_request', `The request cannot be read: ${reason}.`);
}

function classifyPostgres(e: { code?: string; hint?: string; constraint?: string; message?: string; detail?: string }): Problem | null {
  if (e.hint && STATUS_BY_CODE[e.hint]) {
    const domain = domainErrorFrom(e);
    if (domain) return problemOf(domain.code, domain.message, domain.errors, domain.extra);
    return problemOf(e.hint, describeHint(e.hint));
  }
  switch (e.code) {
    case '23505':
      return problemOf('duplicate', 'A record with the same key already exists.');
    case '23503':
      return problemOf('accounting_rule', 'The request refers to something that does not exist.');
    case '23514':
      return problemOf('accounting_rule', 'The request breaks a rule of the books.');
    case '22003':
      // Amounts are checked on the way in (at most 18 digits before the point), so an overflow
      // is a total: a day's or an account's sum past what numeric(20,2) holds.
      return problemOf('amount_too_large', `This would take a total of the books past ${LARGEST_AMOUNT}, the largest amount they hold.`);
    case '22001':
    case '22007':
    case '22008':
    case '22P02':
    case '22P05':
    case '22021':
      return problemOf('invalid_request', 'A value in the request is out of range or malformed.');
    default:
      return null;
  }
}

function describeHint(hint: string): string {
  switch (hint) {
    case 'period_closed':
      return 'The entry is dated in a closed period.';
    case 'append_only':
      return 'Journal rows are append-only; correct an entry by reversing it.';
    case 'entry_not_balanced':
      return 'Debits must equal credits, in total and per fund.';
    default:
      return hint;
  }
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req: Request, res: Response, _next) => {
    if (res.headersSent) {
      // A streamed answer failed after its first byte: the status is gone, so the only honest
      // signal left is to cut the connection (the client sees a truncated answer, not a whole one).
      const requestId = (req as Request & { id?: string }).id ?? 'unknown';
      logger.error({ err: error, requestId, method: req.method, url: req.originalUrl }, 'error after the answer started');
      res.destroy();
      return;
    }
    const problem = classify(error);
    if (problem) {
      sendProblem(res, problem);
      return;
    }
    const requestId = (req as Request & { id?: string }).id ?? 'unknown';
    logger.error({ err: error, requestId, method: req.method, url: req.originalUrl }, 'unhandled error');
    sendProblem(res, {
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: `An unexpected error occurred. Quote request id ${requestId} when reporting it.`,
      code: 'internal_error',
      errors: [],
      requestId,
    });
  };
}
