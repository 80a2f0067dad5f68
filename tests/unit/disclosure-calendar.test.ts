import { disclosureCalendar } from '../../src/disclosure/calendar';

describe('disclosure calendar at the end of the date range', () => {
  const base = { today: '2026-11-23', since: '2026-01-05', quarterly: true, published: [] };

  test('a project ending in 9999 is due on 9999-12-31, not in year 10000, and sorts last', () => {
    const items = disclosureCalendar({ ...base, projects: [{ id: 'p1', name: '长期项目', startsOn: '2026-01-01', endsOn: '9999-12-31' }] });
    const final = items.find((item) => item.kind === 'project_final');
    expect(final).toMatchObject({ dueDate: '9999-12-31', status: 'due', to: '9999-12-31' });
    expect(items[items.length - 1]).toBe(final);
    for (const item of items) expect(item.dueDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  test('a project of five months in 9999 owes no progress report', () => {
    const items = disclosureCalendar({ ...base, projects: [{ id: 'p2', name: '短期项目', startsOn: '9999-08-01', endsOn: '9999-12-31' }] });
    expect(items.filter((item) => item.project?.id === 'p2').map((item) => item.kind)).toEqual(['project_final']);
  });

  test('a project of seven months still owes its progress reports', () => {
    const items = disclosureCalendar({ ...base, projects: [{ id: 'p3', name: '七个月项目', startsOn: '2026-03-01', endsOn: '2026-09-30' }] });
    expect(items.filter((item) => item.project?.id === 'p3').map((item) => `${item.kind} ${item.period} ${item.dueDate}`)).toEqual([
      'project_progress 2026-03-01..2026-05-31 2026-06-30',
      'project_progress 2026-06-01..2026-08-31 2026-09-30',
      'project_final 2026-03-01..2026-09-30 2026-12-30',
    ]);
  });
});
