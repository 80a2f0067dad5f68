/**
 * What every web page handler shares: the dependencies, rendering with the page frame, the
 * login gate, the entity a logged-in user works on, and turning a rejected command into
 * per-field Chinese hints. Handlers stay thin: parse the form, call a domain service, render.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Knex } from 'knex';
import type { ZodError } from 'zod';
import type { Config } from '../config';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import { Actor, Role, requireEntityRole } from '../auth/actor';
import type { EntityRow } from '../ledger/queries';
import * as ledger from '../ledger/service';
import { DomainError, FieldError } from '../shared/errors';
import { fieldHintsFor, FormContext, hintFor, sentenceFor, webStatusOf } from './messages';
import { findEntityByCode } from './queries';
import { renderPage, RenderOptions } from './views';

export interface WebDeps {
  db: Knex;
  clock: Clock;
  config: Config;
  logger: Logger;
}

export type FieldErrors = Record<string, string>;

export interface Web extends WebDeps {
  render(req: Request, res: Response, name: string, title: string, data?: Record<string, unknown>, options?: RenderOptions): void;
}

export function webOf(deps: WebDeps): Web {
  return {
    ...deps,
    render: (req, res, name, title, data = {}, options = {}) => renderPage(req, res, deps.config.jwtSecret, name, title, data, options),
  };
}

/** Express 5 forwards rejected promises; this only fixes the handler's type. */
export function page(handler: (req: Request, res: Response, next: NextFunction) => Promise<void> | void): RequestHandler {
  return handler as RequestHandler;
}

/**
 * Pages behind login send a visitor without a session to the login page, and back afterwards.
 * A form sent after the session ended (it expired, or the user logged out in another tab)
 * never gets here: keepFormsOfLostSessions (kept-forms.ts) answers every POST under /app
 * without a session first, keeps what was typed and leads back to the form's page.
 */
export function requireLogin(req: Request, res: Response, next: NextFunction): void {
  if (req.actor) return next();
  res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
}

/** The path of the page a request came from, when that page is on this site; else undefined. */
export function refererPath(req: Request): string | undefined {
  const referer = req.get('referer');
  if (!referer) return undefined;
  try {
    const url = new URL(referer, `${req.protocol}://${req.get('host')}`);
    // "//evil.example" is a path to the browser's eyes only as far as this check goes: as an
    // href it names another site, so a path must start with exactly one slash.
    return url.host === req.get('host') && /^\/(?![/\\])/.test(url.pathname) ? `${url.pathname}${url.search}` : undefined;
  } catch {
    return undefined;
  }
}

export function actorOf(req: Request): Actor {
  if (!req.actor) throw new DomainError('unauthenticated', 'Log in first.');
  return req.actor;
}

/** The entity named by `:code`, if the actor holds one of the roles on it (404/403 otherwise). */
/** Where a station's or foundation's books pages live: /app/e/<code>. */
export function booksPathOf(entity: { code: string }): string {
  return `/app/e/${encodeURIComponent(entity.code)}`;
}

export async function entityFor(web: Web, req: Request, roles: Role[]): Promise<EntityRow> {
  const code = String(req.params.code ?? '');
  const entity = /^[A-Za-z0-9_-]{1,40}$/.test(code) ? await findEntityByCode(web.db, code) : undefined;
  if (!entity) throw new DomainError('not_found', 'Entity not found.');
  requireEntityRole(actorOf(req), entity.id, roles);
  return entity;
}

/** The entity's funds by code, for sentences that name a fund (errors carry its code). */
export async function fundNamesOf(web: Web, req: Request, entity: EntityRow): Promise<Record<string, string>> {
  const { items } = await ledger.listFunds(web.db, actorOf(req), entity.id);
  return Object.fromEntries(items.map((fund) => [fund.code, fund.name]));
}

/** Field name of a domain error path such as `body.amount` or `body.lines.0.fundCode`. */
function fieldOf(path: string): string {
  const parts = path.split('.').filter((part) => part !== 'body');
  return parts[parts.length - 1] ?? '';
}

export function fieldErrorsOfZod(error: ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? '');
    if (field && !errors[field]) errors[field] = hintFor(field);
  }
  return errors;
}

export function fieldErrorsOfDomain(errors: FieldError[]): FieldErrors {
  const result: FieldErrors = {};
  for (const error of errors) {
    const field = fieldOf(error.path);
    if (field && !result[field]) result[field] = hintFor(field);
  }
  return result;
}

/**
 * A failed command as what a form shows: a sentence on top, hints by field (the real reason
 * where the form's context lets us say it), and the status.
 */
export function formFailure(error: unknown, context: FormContext = {}): { message: string; errors: FieldErrors; status: number } | null {
  if (!(error instanceof DomainError)) return null;
  const errors = { ...fieldErrorsOfDomain(error.errors), ...fieldHintsFor(error, context) };
  return { message: sentenceFor(error, context), errors, status: webStatusOf(error.code) };
}
