/**
 * The shared list paging: cursors keep the wire format the lists already handed out (a key's
 * text in base64url), a cursor this service did not make is a 400, and a page read `limit + 1`
 * rows at a time is cut with a cursor only when more follow.
 */
import { cursorOf, cutPage, keyOfCursor, seqCursor, seqOfCursor } from '../../src/shared/paging';

describe('cursors', () => {
  it('keep the format already handed out: a sequence number, or an entry date and sequence, in base64url', () => {
    expect(seqCursor('42')).toBe('NDI');
    expect(seqOfCursor('NDI')).toBe('42');
    expect(cursorOf('2026-03-01|17')).toBe('MjAyNi0wMy0wMXwxNw');
    expect(keyOfCursor('MjAyNi0wMy0wMXwxNw')).toBe('2026-03-01|17');
    expect(seqOfCursor(undefined)).toBeUndefined();
  });

  it('refuse a cursor that names no sequence number, on query.cursor', () => {
    for (const cursor of ['garbage', cursorOf('12a'), cursorOf('1'.repeat(19)), cursorOf('2026-03-01|17')]) {
      expect(() => seqOfCursor(cursor)).toThrow(expect.objectContaining({ code: 'invalid_request', errors: [{ path: 'query.cursor', message: 'invalid cursor' }] }));
    }
  });
});

describe('cutPage', () => {
  const rows = [{ seq: '1' }, { seq: '2' }, { seq: '3' }];
  const after = (row: { seq: string }) => seqCursor(row.seq);

  it('sends the first limit rows and a cursor after the last of them when the extra row shows more', () => {
    expect(cutPage(rows, 2, after)).toEqual({ page: rows.slice(0, 2), nextCursor: seqCursor('2') });
  });

  it('sends no cursor on the last page', () => {
    expect(cutPage(rows.slice(0, 2), 2, after)).toEqual({ page: rows.slice(0, 2), nextCursor: null });
    expect(cutPage([], 2, after)).toEqual({ page: [], nextCursor: null });
  });
});
