/**
 * Web sessions and CSRF protection. The session cookie carries the same JWT the API issues
 * (http/authenticate.ts reads it), http-only and SameSite=Lax, Secure over https. Every form
 * POST must carry a token that is an HMAC, under the JWT secret, of the session cookie (or,
 * before login, of a random per-browser cookie): a page on another site can neither read the
 * cookie nor compute the token. This module never decides who may do what.
 */
import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { SESSION_COOKIE } from '../http/authenticate';
import { TOKEN_TTL_SECONDS } from '../auth/tokens';

export const CSRF_SEED_COOKIE = 'csrf_seed';
export const CSRF_FIELD = '_csrf';

/** The options of every cookie this site sets: http-only, SameSite=Lax, on the whole site, Secure over https. */
export function cookieOptions(req: Request, maxAgeSeconds: number) {
  return { httpOnly: true, sameSite: 'lax' as const, secure: req.secure, path: '/', maxAge: maxAgeSeconds * 1000 };
}

export function startSession(req: Request, res: Response, token: string): void {
  res.cookie(SESSION_COOKIE, token, cookieOptions(req, TOKEN_TTL_SECONDS));
}

export function endSession(req: Request, res: Response): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/' });
}

/** What the token is bound to: the session when there is one, else the browser's seed. */
function basisOf(req: Request): string | null {
  const session = req.cookies?.[SESSION_COOKIE];
  if (typeof session === 'string' && session.length > 0) return `session:${session}`;
  const seed = req.cookies?.[CSRF_SEED_COOKIE];
  if (typeof seed === 'string' && /^[0-9a-f]{32}$/.test(seed)) return `seed:${seed}`;
  return null;
}

function tokenFor(secret: string, basis: string): string {
  return crypto.createHmac('sha256', secret).update(`csrf|${basis}`).digest('base64url');
}

/**
 * The CSRF token for forms on this page. A visitor without a session gets a seed cookie first
 * so the login form has something to bind to; the token is recomputed, never stored.
 */
export function csrfTokenFor(req: Request, res: Response, secret: string): string {
  let basis = basisOf(req);
  if (basis === null) {
    const seed = crypto.randomBytes(16).toString('hex');
    res.cookie(CSRF_SEED_COOKIE, seed, cookieOptions(req, TOKEN_TTL_SECONDS));
    req.cookies = { ...(req.cookies ?? {}), [CSRF_SEED_COOKIE]: seed };
    basis = `seed:${seed}`;
  }
  return tokenFor(secret, basis);
}

export function csrfTokenValid(req: Request, secret: string, sent: unknown): boolean {
  const basis = basisOf(req);
  if (basis === null || typeof sent !== 'string' || sent.length === 0 || sent.length > 200) return false;
  const expected = Buffer.from(tokenFor(secret, basis));
  const given = Buffer.from(sent);
  return expected.length === given.length && crypto.timingSafeEqual(expected, given);
}

/**
 * Refuses a POST whose token is missing or wrong; runs after the body (or multipart) is parsed.
 * The refusal may look things up (it may keep what was typed), so a failure of it goes on to
 * the error handler.
 */
export function requireCsrf(secret: string, refuse: (req: Request, res: Response) => void | Promise<void>) {
  return (req: Request, res: Response, next: NextFunction) => {
    const sent = req.body?.[CSRF_FIELD] ?? req.get('x-csrf-token');
    if (!csrfTokenValid(req, secret, sent)) return Promise.resolve(refuse(req, res)).catch(next);
    return next();
  };
}
