/**
 * Reads the bearer token (or the web session cookie carrying the same JWT), and loads the
 * live user and roles. A token that is present but not valid is a 401 at once, even on public
 * routes, so a client never mistakes a broken token for anonymity.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Knex } from 'knex';
import { currentActor } from '../auth/service';
import { verifyToken } from '../auth/tokens';
import { problemOf, sendProblem } from './problem';

export const SESSION_COOKIE = 'session';

export function authenticate(deps: { db: Knex; jwtSecret: string }) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    let token: string | undefined;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) return sendProblem(res, problemOf('unauthenticated', 'The Authorization header must be "Bearer <token>".'));
      token = match[1];
    } else if (req.cookies?.[SESSION_COOKIE]) {
      token = String(req.cookies[SESSION_COOKIE]);
    }
    if (token === undefined) return next();
    const userId = verifyToken(deps.jwtSecret, token);
    if (!userId) {
      if (header === undefined) return next();
      return sendProblem(res, problemOf('unauthenticated', 'The token is invalid or expired.'));
    }
    try {
      const actor = await currentActor(deps.db, userId);
      if (!actor) {
        if (header === undefined) return next();
        return sendProblem(res, problemOf('unauthenticated', 'The token belongs to a user that no longer exists.'));
      }
      req.actor = actor;
      return next();
    } catch (error) {
      return next(error);
    }
  };
}
