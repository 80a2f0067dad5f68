/**
 * Password hashing with argon2id. Verifying against a fixed dummy hash when the user does
 * not exist keeps unknown-user and wrong-password answers equally slow.
 */
import { hash, verify } from '@node-rs/argon2';

const OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/** Spend the same work as a real verification, for a user that does not exist. */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hash('not-a-real-password', OPTIONS);
  await verifyPassword(await dummyHash, password);
  return false;
}
