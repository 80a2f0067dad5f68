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
    const rows = res.body.items.map((i: { kind: string; period: string; dueDate: string; status: string; disclosureId?: string }) => [i.kind, i.period, i.dueDate, i.status, i.disclosureId ?? null]);
    expect(rows).toEqual([
      ['quarterly', '2026-Q1', '2026-04-30', 'done', q1],
      ['project_progress', '2026-01-15..2026-04-14', '2026-05-31', 'done', expect.any(String)],
      ['quarterly', '2026-Q2', '2026-07-31', 'done', june],
      ['project_progress', '2026-04-15..2026-07-14', '2026-08-31', 'overdue', null],
      ['quarterly', '2026-Q3', '2026-10-31', 'overdue', null],
      ['project_progress', '2026-07-15..2026-10-14', '2026-11-30', 'due', null],
      ['quarterly', '2026-Q4', '2027-01-31', 'due', null],
      ['project_final', '2026-01-15..2026-12-31', '2027-03-31', 'due', null],
      ['annual', '2026', '2027-05-31', 'due', null],
    ]);
    expect(res.body.items.find((i: { kind: string }) => i.kind === 'project_final').project).toEqual({ id: project.body.id, name: '路灯维修' });
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

  it('answers 404 for an unknown entity, without a login', async () => {
    const res = await ctx.request().get('/api/public/entities/00000000-0000-4000-8000-000000000000/calendar');
    expect(res.status).toBe(404);
  });
});
