import { fixedClock } from '../../src/shared/clock';
import { useTestContext } from '../support/context';
import { foundationWithStaff, receive, stationWithStaff } from '../factories';

// 2026-11-22 12:00 in Shanghai.
const ctx = useTestContext({ clock: fixedClock('2026-11-22T04:00:00Z') });

describe('GET /api/public/entities/:entityId/calendar', () => {
  it('lists quarters, the year and a long project as done, overdue or due on a fixed day', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const project = await ctx.request().post(`/api/entities/${entity.id}/projects`).set(treasurer.auth)
      .send({ code: 'LIGHTS', name: '路灯维修', startsOn: '2026-01-15', endsOn: '2026-12-31' });
    expect(project.status).toBe(201);
    await receive(ctx, treasurer, entity.id, '120.00', { date: '2026-02-03' });
    await receive(ctx, treasurer, entity.id, '80.00', { date: '2026-05-10' });
    for (const month of ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06']) {
      expect((await ctx.request().post(`/api/entities/${entity.id}/periods/${month}/close`).set(treasurer.auth)).status).toBe(200);
    }
    const publish = async (period: string) => {
      const res = await ctx.request().post(`/api/entities/${entity.id}/disclosures`).set(treasurer.auth).send({ period });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const q1 = await publish('2026-Q1');
    await publish('2026-04');
    await publish('2026-05');
    const june = await publish('2026-06');

    const res = await ctx.request().get(`/api/public/entities/${entity.id}/calendar`);
    expect(res.status).toBe(200);
    type Item = { kind: string; period: string; dueDate: string; status: string; disclosureId?: string; coveredBy?: { disclosureId: string; period: string }[] };
    const rows = res.body.items.map((i: Item) => [i.kind, i.period, i.dueDate, i.status, i.disclosureId ?? null, i.coveredBy?.map((c) => c.period) ?? null]);
    // disclosureId only where one report covers the whole item; coveredBy names every report that did.
    expect(rows).toEqual([
      ['quarterly', '2026-Q1', '2026-04-30', 'done', q1, ['2026-Q1']],
      ['project_progress', '2026-01-15..2026-04-14', '2026-05-31', 'done', null, ['2026-Q1', '2026-04']],
      ['quarterly', '2026-Q2', '2026-07-31', 'done', null, ['2026-04', '2026-05', '2026-06']],
      ['project_progress', '2026-04-15..2026-07-14', '2026-08-31', 'overdue', null, null],
      ['quarterly', '2026-Q3', '2026-10-31', 'overdue', null, null],
      ['project_progress', '2026-07-15..2026-10-14', '2026-11-30', 'due', null, null],
      ['quarterly', '2026-Q4', '2027-01-31', 'due', null, null],
      ['project_final', '2026-01-15..2026-12-31', '2027-03-31', 'due', null, null],
      ['annual', '2026', '2027-05-31', 'due', null, null],
    ]);
    const q2 = res.body.items.find((i: Item) => i.period === '2026-Q2');
    expect(q2.coveredBy[2]).toEqual({ disclosureId: june, period: '2026-06' });
    expect(res.body.items.find((i: { kind: string }) => i.kind === 'project_final').project).toEqual({ id: project.body.id, name: '路灯维修', startsOn: '2026-01-15', endsOn: '2026-12-31' });
  });

  it('extends a project’s final report to the last day its money moved, past the planned end', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const api = (path: string, body: object) => ctx.request().post(`/api/entities/${entity.id}${path}`).set(treasurer.auth).send(body);
    const feast = (await api('/projects', { code: 'FEAST', name: '百家宴', startsOn: '2026-09-01', endsOn: '2026-09-30' }).expect(201)).body;
    const other = (await api('/projects', { code: 'OTHER', name: '路灯维修', startsOn: '2026-09-01', endsOn: '2026-09-30' }).expect(201)).body;
    await receive(ctx, treasurer, entity.id, '5000.00', { date: '2026-09-02' });
    const pay = (date: string, projectId: string) => api('/payments', { date, amount: '100.00', method: 'cash', payee: '筹备组', purpose: '餐具', category: 'program', projectId }).expect(201);
    await pay('2026-09-26', feast.id);
    await pay('2026-11-12', feast.id);
    await pay('2026-09-20', other.id);
    await ctx.request().post(`/api/entities/${entity.id}/periods/2026-09/close`).set(treasurer.auth).expect(200);
    const september = (await api('/disclosures', { period: '2026-09' }).expect(201)).body.id;

    const items = (await ctx.request().get(`/api/public/entities/${entity.id}/calendar`).expect(200)).body.items;
    const finalOf = (projectId: string) => items.find((i: { kind: string; project?: { id: string } }) => i.kind === 'project_final' && i.project?.id === projectId);
    // September's report does not hold the November payment, so it cannot stand for the whole project.
    expect(finalOf(feast.id)).toMatchObject({ period: '2026-09-01..2026-11-12', from: '2026-09-01', to: '2026-11-12', dueDate: '2027-02-12', status: 'due' });
    expect(finalOf(feast.id).disclosureId).toBeUndefined();
    expect(finalOf(other.id)).toMatchObject({ period: '2026-09-01..2026-09-30', status: 'done', disclosureId: september, coveredBy: [{ disclosureId: september, period: '2026-09' }] });
  });

  it('owes a foundation its annual report, not quarterly ones', async () => {
    const { entity, treasurer } = await foundationWithStaff(ctx);
    await receive(ctx, treasurer, entity.id, '5000.00', { date: '2025-03-03', method: 'bank' });
    const res = await ctx.request().get(`/api/public/entities/${entity.id}/calendar`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: { kind: string; period: string; dueDate: string; status: string }) => [i.kind, i.period, i.dueDate, i.status])).toEqual([
      ['annual', '2025', '2026-05-31', 'overdue'],
      ['annual', '2026', '2027-05-31', 'due'],
    ]);
  });

  it('owes nothing before January of the year before the entity joined, whatever old dates its entries carry', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const before = (await ctx.request().get(`/api/public/entities/${entity.id}/calendar`).expect(200)).body.items;
    await receive(ctx, treasurer, entity.id, '0.01', { date: '1900-02-01', kind: 'other' });
    const items = (await ctx.request().get(`/api/public/entities/${entity.id}/calendar`).expect(200)).body.items as { kind: string; period: string }[];
    const joined = Number(String((await ctx.db('entities').where({ id: entity.id }).first()).created_at.toISOString()).slice(0, 4));
    const floor = `${joined - 1}`;
    // Not a century of overdue quarters: the first item is the floor year's first quarter.
    expect(items.find((item) => item.kind === 'quarterly')?.period).toBe(`${floor}-Q1`);
    expect(items.find((item) => item.kind === 'annual')?.period).toBe(floor);
    expect(items.length).toBeLessThan(before.length + 12);
  });

  it('answers 404 for an unknown entity, without a login', async () => {
    const res = await ctx.request().get('/api/public/entities/00000000-0000-4000-8000-000000000000/calendar');
    expect(res.status).toBe(404);
  });
});
