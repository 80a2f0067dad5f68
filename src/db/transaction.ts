/**
 * One database transaction per command. Serialization failures and deadlocks (40001, 40P01)
 * are retried a bounded number of times with jitter; anything else propagates.
 */
import { Knex } from 'knex';

export type Isolation = 'read committed' | 'repeatable read' | 'serializable';

const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 8;

export async function withTransaction<T>(
  db: Knex,
  isolation: Isolation,
  work: (tx: Knex.Transaction) => Promise<T>,
): Promise<T> {
  return withRetry(() =>
    db.transaction(async (tx) => {
      if (isolation !== 'read committed') await tx.raw(`set transaction isolation level ${isolation}`);
      return work(tx);
    }),
  );
}

/** Runs a command that is one statement (its own transaction), retrying as withTransaction does. */
export async function withRetry<T>(command: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await command();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (!code || !RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}
