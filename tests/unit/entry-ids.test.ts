import { newEntryId } from '../../src/ledger/posting';

describe('entry ids', () => {
  it('are UUIDv7, so the indexes that lead with them grow at their right edge', () => {
    const ids = Array.from({ length: 2000 }, () => newEntryId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Many are made within one millisecond: they still increase, in Postgres' uuid order too
    // (bytewise, the same as comparing these lowercase strings).
    const sorted = [...ids].sort();
    expect(sorted).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('carry the time they were made', () => {
    const before = Date.now();
    const id = newEntryId();
    const after = Date.now();
    const millis = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(millis).toBeGreaterThanOrEqual(before);
    expect(millis).toBeLessThanOrEqual(after);
  });
});
