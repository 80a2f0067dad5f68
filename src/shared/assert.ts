/**
 * Assertions for programmer errors: a broken promise inside the service, never a user's
 * mistake. A failed assertion becomes a logged 500 with a request id.
 */
export class AssertionFailed extends Error {
  constructor(why: string) {
    super(`assertion failed: ${why}`);
    this.name = 'AssertionFailed';
  }
}

export function assert(condition: unknown, why: string): asserts condition {
  if (!condition) throw new AssertionFailed(why);
}
