/**
 * The list convention of API.md: a list takes `limit` and `cursor` and answers
 * `{ items, nextCursor }`, where `nextCursor` is null only once the last item has been sent.
 * Lists that can grow without bound page in SQL (keyset on a sequence, `limit + 1` rows cut by
 * cutPage); the short ones a service reads whole (a chart of accounts, the funds, the closed
 * periods) are cut by pageOf. A cursor is a key's text in base64url, opaque to clients: one
 * this service did not hand out is a 400, never a guess.
 */
import { DomainError } from './errors';

export interface Page {
  limit: number;
  cursor?: string;
}

export function invalidCursor(): DomainError {
  return new DomainError('invalid_request', 'The cursor is not valid.', { errors: [{ path: 'query.cursor', message: 'invalid cursor' }] });
}

/** A cursor naming a key of the list (its text, base64url): opaque to clients, never a guess. */
export function cursorOf(key: string): string {
  return Buffer.from(key).toString('base64url');
}

/** The key text a cursor names; the caller checks its shape and throws invalidCursor. */
export function keyOfCursor(cursor: string): string {
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

/** The cursor after a row with this sequence number (a bigserial, as pg returns it: a string). */
export function seqCursor(seq: string): string {
  return cursorOf(seq);
}

/** The sequence number a cursor from seqCursor stands for; undefined for no cursor. */
export function seqOfCursor(cursor: string | undefined): string | undefined {
  if (!cursor) return undefined;
  const seq = keyOfCursor(cursor);
  if (!/^\d{1,18}$/.test(seq)) throw invalidCursor();
  return seq;
}

/**
 * One page of a list paged in SQL, read `limit + 1` rows at a time: the first `limit` rows, and
 * the cursor after the last of them when the extra row shows that more follow.
 */
export function cutPage<R>(rows: R[], limit: number, cursorAfter: (row: R) => string): { page: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return { page, nextCursor: rows.length > limit ? cursorAfter(page[page.length - 1]) : null };
}

/**
 * One page of a list read whole, in its own order; the rest of the answer (a calendar's date,
 * say) goes along. The cursor names the last item sent by its key (unique in the list), so an
 * item added before it does not shift the next page.
 */
export function pageOf<W extends { items: unknown[] }>(whole: W, page: Page, keyOf: (item: W['items'][number]) => string): W & { nextCursor: string | null } {
  let start = 0;
  if (page.cursor) {
    const key = keyOfCursor(page.cursor);
    const index = whole.items.findIndex((item) => keyOf(item) === key);
    if (index < 0) throw invalidCursor();
    start = index + 1;
  }
  const items = whole.items.slice(start, start + page.limit);
  const more = start + items.length < whole.items.length;
  return { ...whole, items, nextCursor: more ? cursorOf(keyOf(items[items.length - 1])) : null };
}
