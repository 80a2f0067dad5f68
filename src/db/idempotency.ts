/**
 * Idempotency-Key handling for writes that move money. The key is claimed by inserting it
 * inside the command's own transaction: a concurrent request with the same key blocks on the
 * unique index until the first commits, then finds the stored answer. The same key with a
 * different request is a conflict. A command that fails leaves no key behind.
 */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { DomainError } from '../shared/errors';
import { canonicalJson } from '../ledger/hash';
import { Isolation, withTransaction } from './transaction';

export interface IdempotentResult<T> {
  replay: true;
  status: number;
  body: T;
}

export interface IdempotencyOptions {
  key: string | undefined;
  /** Whose key it is: keys are per user. */
  userId: string;
  /** What was asked: method, path and body. */
  request: unknown;
  status: number;
  isolation?: Isolation;
}

export async function runIdempotent<T>(
  db: Knex,
  options: IdempotencyOptions,
  work: (tx: Knex.Transaction) => Promise<T>,
): Promise<IdempotentResult<T>> {
  const requestHash = crypto.createHash('sha256').update(canonicalJson(options.request)).digest('hex');
  return withTransaction(db, options.isolation ?? 'read committed', async (tx) => {
    if (options.key !== undefined) {
      const claimed = await tx.raw(
        `insert into idempotency_keys (scope, key, request_hash) values (?, ?, ?) on conflict do nothing returning key`,
        [options.userId, options.key, requestHash],
      );
      if (claimed.rows.length === 0) {
        const stored = await tx('idempotency_keys').where({ scope: options.userId, key: options.key }).first();
        if (stored.request_hash !== requestHash) {
          throw new DomainError('idempotency_key_reused', 'This Idempotency-Key was already used for a different request.');
        }
        return { replay: true as const, status: stored.status, body: stored.response as T };
      }
    }
    const body = await work(tx);
    if (options.key !== undefined) {
      await tx('idempotency_keys')
        .where({ scope: options.userId, key: options.key })
        .update({ status: options.status, response: JSON.stringify(body) });
    }
    return { replay: true as const, status: options.status, body };
  });
}

/**
 * Whether the user's command under this key has been saved. A form sent again under its key is
 * the same form (a double tap, Back to a page the browser kept): the key answers it, so the
 * caller need not ask whether it repeats an entry.
 */
export async function idempotencyKeyUsed(db: Knex, userId: string, key: string): Promise<boolean> {
  return (await db('idempotency_keys').where({ scope: userId, key }).first('key')) !== undefined;
}
