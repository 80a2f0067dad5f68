/**
 * Rewriting history behind the service: the database refuses UPDATE and DELETE of journal
 * rows; with the triggers switched off by a superuser, the hash chain still names the entry
 * that was altered or emptied.
 */
import { useTestContext } from '../support/context';
import { receive, stationWithStaff } from '../factories';

const ctx = useTestContext();

async function bookWithThreeEntries() {
  const staff = await stationWithStaff(ctx);
  const entries = [];
  for (const amount of ['100.00', '250.50', '80.00']) entries.push(await receive(ctx, staff.treasurer, staff.entity.id, amount));
  return { ...staff, entries };
}

/** Runs statements on one connection with the user triggers off (session_replication_role = replica). */
async function behindTheTriggers(statements: (tx: typeof ctx.db) => Promise<unknown>) {
  await ctx.db.transaction(async (tx) => {
    await tx.raw('set local session_replication_role = replica');
    await statements(tx as unknown as typeof ctx.db);
  });
}

describe('tampering with the journal', () => {
  test('the database refuses UPDATE and DELETE of entries and entry lines', async () => {
    const { entries } = await bookWithThreeEntries();
    const target = entries[1];
    await expect(ctx.db('entry_lines').where({ entry_id: target.id, line_no: 1 }).update({ debit: '999.00' })).rejects.toMatchObject({ code: 'P0001', hint: 'append_only' });
    await expect(ctx.db('entry_lines').where({ entry_id: target.id }).delete()).rejects.toMatchObject({ code: 'P0001', hint: 'append_only' });
    await expect(ctx.db('entries').where({ id: target.id }).update({ memo: '改过的' })).rejects.toMatchObject({ code: 'P0001', hint: 'append_only' });
    await expect(ctx.db('entries').where({ id: target.id }).delete()).rejects.toMatchObject({ code: 'P0001', hint: 'append_only' });
    await expect(ctx.db.raw('truncate entry_lines')).rejects.toMatchObject({ code: 'P0001' });
    const line = await ctx.db('entry_lines').where({ entry_id: target.id, line_no: 1 }).first();
    expect(line.debit).toBe('250.50');
  });

  test('an amount changed with the triggers off is caught by /verify, which names exactly that entry', async () => {
    const { entity, treasurer, entries } = await bookWithThreeEntries();
    const before = await ctx.request().get(`/api/entities/${entity.id}/verify`).set(treasurer.auth);
    expect(before.body).toMatchObject({ ok: true, entries: 3 });
    await behindTheTriggers(async (tx) => {
      await tx('entry_lines').where({ entry_id: entries[1].id, line_no: 1 }).update({ debit: '25.50' });
      await tx('entry_lines').where({ entry_id: entries[1].id, line_no: 2 }).update({ credit: '25.50' });
    });
    const after = await ctx.request().get(`/api/entities/${entity.id}/verify`).set(treasurer.auth);
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ ok: false, firstBad: { id: entries[1].id, number: entries[1].number, chainIndex: 2 } });
  });

  test('an entry whose lines were deleted with the triggers off is pinpointed by /verify', async () => {
    const { entity, treasurer, entries } = await bookWithThreeEntries();
    await behindTheTriggers((tx) => tx('entry_lines').where({ entry_id: entries[2].id }).delete());
    const after = await ctx.request().get(`/api/entities/${entity.id}/verify`).set(treasurer.auth);
    expect(after.body).toMatchObject({ ok: false, firstBad: { id: entries[2].id, number: entries[2].number } });
  });

  test('a whole entry removed with the triggers off breaks the chain at the entry after it', async () => {
    const { entity, treasurer, entries } = await bookWithThreeEntries();
    await behindTheTriggers(async (tx) => {
      await tx('entry_lines').where({ entry_id: entries[0].id }).delete();
      await tx('entries').where({ id: entries[0].id }).delete();
    });
    const after = await ctx.request().get(`/api/entities/${entity.id}/verify`).set(treasurer.auth);
    expect(after.body).toMatchObject({ ok: false, firstBad: { id: entries[1].id } });
  });
});
