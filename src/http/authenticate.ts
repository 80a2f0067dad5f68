/**
 * Reads the bearer token (or the web session cookie carrying the same JWT), and loads the
 * live user and roles. Where a token is needed, one that is present but not valid is a 401 at
 * once, so a client never mistakes a broken token for anonymity. Where none is needed — under
 * `/api/public/` and on the public web pages (API.md) — a broken token is ignored and the
 * caller is anonymous, as without one: the answer there never depends on who asks.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Knex } from 'knex';
import { currentActor } from '../auth/service';
import { verifyToken } from '../auth/tokens';
import { problemOf, sendProblem } from './problem';

export const SESSION_COOKIE = 'session';

/** API paths that answer anyone: logging in (a client with a stale token logs in again) and the contract. */
const OPEN_API_PATHS = new Set(['/api/auth/login', '/api/openapi.json']);

/**
 * The paths that need no token: the public API, logging in, the OpenAPI document, and every
 * web page outside `/app` (the pages behind login). Lower-cased because express routes ignore
 * case; being treated as anonymous never grants anything, so a path wrongly counted public
 * only loses a clearer 401.
 */
function needsNoToken(path: string): boolean {
  const lower = path.toLowerCase();
  if (lower.startsWith('/api/public/') || OPEN_API_PATHS.has(lower.replace(/\/$/, ''))) return true;
  return !lower.startsWith('/api/') && lower !== '/app' && !lower.startsWith('/app/');
}

export function authenticate(deps: { db: Knex; jwtSecret: string }) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    // A refusal is for a broken Authorization header on a path that needs a token; a broken
    // session cookie, or anything broken on a public path, leaves the caller anonymous.
    const refuse = header !== undefined && !needsNoToken(req.path);
    let token: string | undefined;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) {
        if (!refuse) return next();
        return sendProblem(res, problemOf('unauthenticated', 'The Authorization header must be "Bearer <token>".'));
      }
      token = match[1];
    } else if (req.cookies?.[SESSION_COOKIE]) {
      token = String(req.cookies[SESSION_COOKIE]);
    }
    if (token === undefined) return next();
    const userId = verifyToken(deps.jwtSecret, token);
    if (!userId) {
      if (!refuse) return next();
      return sendProblem(res, problemOf('unauthenticated', 'The token is invalid or expired.'));
    }
    try {
      const actor = await currentActor(deps.db, userId);
      if (!actor) {
        if (!refuse) return next();
        return sendProblem(res, problemOf('unauthenticated', 'The token belongs to a user that no longer exists.'));
      }
      req.actor = actor;
      return next();
    } catch (error) {
      return next(error);
    }
  };
}
