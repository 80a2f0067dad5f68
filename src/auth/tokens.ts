/**
 * JWTs: HS256 only (the algorithm is pinned on verify, so `none` and key confusion fail),
 * with issuer, audience and expiry. The token names the user; roles are read from the
 * database on every request so a revoked role or deleted user takes effect at once.
 */
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { UUID_PATTERN as UUID } from '../shared/schemas';

const ISSUER = 'community-fund-ledger';
const AUDIENCE = 'community-fund-ledger';
export const TOKEN_TTL_SECONDS = 12 * 60 * 60;

export function signToken(secret: string, userId: string): string {
  return jwt.sign({}, secret, {
    algorithm: 'HS256',
    subject: userId,
    issuer: ISSUER,
    audience: AUDIENCE,
    expiresIn: TOKEN_TTL_SECONDS,
  });
}

/** The user id the token names, or null when it is not a valid token of ours. */
export function verifyToken(secret: string, token: string): string | null {
  const cache = verifiedCache(secret);
  const known = cache.get(token);
  if (known) {
    if (Date.now() < known.expiresAt) return known.userId;
    cache.delete(token);
  }
  try {
    const payload = jwt.verify(token, secretKey(secret), { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE });
    // Users are named by uuid; a token naming anything else is not one of ours (a 401, not a 400 from the user lookup).
    if (typeof payload === 'string' || typeof payload.sub !== 'string' || !UUID.test(payload.sub) || typeof payload.exp !== 'number') return null;
    if (cache.size >= MAX_VERIFIED) cache.delete(cache.keys().next().value as string);
    cache.set(token, { userId: payload.sub, expiresAt: payload.exp * 1000 });
    return payload.sub;
  } catch {
    return null;
  }
}

// A token that verified once verifies again until it expires (same bytes, same secret), so its
// signature and claims are checked on first use only and its expiry on every use. Bounded:
// the oldest entry goes when the map is full. Measured: jwt.verify was ~25-40 µs of a ~500 µs
// posting request. Users and roles are still read live (currentActor), so a deleted user's
// token is refused at once as before.
const MAX_VERIFIED = 10_000;
const verified = new Map<string, Map<string, { userId: string; expiresAt: number }>>();
function verifiedCache(secret: string): Map<string, { userId: string; expiresAt: number }> {
  let cache = verified.get(secret);
  if (!cache) verified.set(secret, (cache = new Map()));
  return cache;
}

// Given a string, jsonwebtoken first tries to parse it as a public key on every verify (an
// exception thrown and caught per request, a tenth of a request's CPU); a KeyObject skips that.
const secretKeys = new Map<string, crypto.KeyObject>();
function secretKey(secret: string): crypto.KeyObject {
  let key = secretKeys.get(secret);
  if (!key) {
    key = crypto.createSecretKey(Buffer.from(secret, 'utf8'));
    secretKeys.set(secret, key);
  }
  return key;
}
