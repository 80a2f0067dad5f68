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

describe('what a done calendar item says covered it', () => {
  const base = { today: '2026-11-23', since: '2026-08-05', quarterly: true, projects: [] };
  const quarter = (items: ReturnType<typeof disclosureCalendar>, period: string) => items.find((item) => item.period === period);

  test('a quarter published month by month names its months, and no single report as the quarter’s', () => {
    const items = disclosureCalendar({ ...base, published: [{ id: 'aug', period: '2026-08' }, { id: 'sep', period: '2026-09' }] });
    const q3 = quarter(items, '2026-Q3');
    expect(q3).toMatchObject({ status: 'done', coveredBy: [{ disclosureId: 'aug', period: '2026-08' }, { disclosureId: 'sep', period: '2026-09' }] });
    // July is before the books start: owed by nobody, covered by nothing, and no report stands for the quarter.
    expect(q3?.disclosureId).toBeUndefined();
  });

  test('a quarter with its own report points at it, even when its months were also published', () => {
    const items = disclosureCalendar({ ...base, published: [{ id: 'aug', period: '2026-08' }, { id: 'sep', period: '2026-09' }, { id: 'q3', period: '2026-Q3' }] });
    expect(quarter(items, '2026-Q3')).toMatchObject({ status: 'done', disclosureId: 'q3', coveredBy: [{ disclosureId: 'q3', period: '2026-Q3' }] });
  });

  test('a quarter missing one owed month is not done, whatever covers the others', () => {
    const items = disclosureCalendar({ ...base, published: [{ id: 'aug', period: '2026-08' }] });
    expect(quarter(items, '2026-Q3')).toMatchObject({ status: 'overdue' });
    expect(quarter(items, '2026-Q3')?.coveredBy).toBeUndefined();
  });

  test('a quarter partly published names what is out so far and the months still missing', () => {
    const items = disclosureCalendar({ ...base, since: '2026-07-05', published: [{ id: 'jul', period: '2026-07' }, { id: 'aug', period: '2026-08' }] });
    const q3 = quarter(items, '2026-Q3');
    expect(q3).toMatchObject({ status: 'overdue', missingMonths: ['2026-09'], publishedSoFar: [{ disclosureId: 'jul', period: '2026-07' }, { disclosureId: 'aug', period: '2026-08' }] });
    expect(q3?.disclosureId).toBeUndefined();
    // A quarter nothing of which is out says nothing of the kind.
    const q4 = quarter(items, '2026-Q4');
    expect(q4).toMatchObject({ status: 'due' });
    expect(q4?.publishedSoFar).toBeUndefined();
    expect(q4?.missingMonths).toBeUndefined();
    // Once the last month is out the quarter is done and these give way to coveredBy.
    const done = quarter(disclosureCalendar({ ...base, since: '2026-07-05', published: [{ id: 'jul', period: '2026-07' }, { id: 'aug', period: '2026-08' }, { id: 'sep', period: '2026-09' }] }), '2026-Q3');
    expect(done).toMatchObject({ status: 'done' });
    expect(done?.publishedSoFar).toBeUndefined();
  });

  test('an annual report is done only by the year’s own report, not by its quarters', () => {
    const quarters = ['2026-Q1', '2026-Q2', '2026-Q3', '2026-Q4'].map((period) => ({ id: period, period }));
    const today = '2027-06-15';
    const byQuarters = disclosureCalendar({ ...base, today, published: quarters });
    expect(quarter(byQuarters, '2026')).toMatchObject({ kind: 'annual', status: 'overdue' });
    const byYear = disclosureCalendar({ ...base, today, published: [...quarters, { id: 'y2026', period: '2026' }] });
    expect(quarter(byYear, '2026')).toMatchObject({ kind: 'annual', status: 'done', disclosureId: 'y2026' });
    // The year's report covers each quarter by itself too.
    expect(quarter(disclosureCalendar({ ...base, today, published: [{ id: 'y2026', period: '2026' }] }), '2026-Q3')).toMatchObject({ status: 'done', disclosureId: 'y2026' });
  });
});

describe('a project’s final report covers all of its money', () => {
  const base = { today: '2026-11-23', since: '2026-08-05', quarterly: true };
  const feast = { id: 'feast', name: '百家宴', startsOn: '2026-09-01', endsOn: '2026-09-30' };
  const finalOf = (items: ReturnType<typeof disclosureCalendar>) => items.find((item) => item.kind === 'project_final');

  test('money that moved after the planned end extends the report to that day and its due date with it', () => {
    const items = disclosureCalendar({ ...base, projects: [{ ...feast, firstMovedOn: '2026-09-26', lastMovedOn: '2026-11-12' }], published: [{ id: 'sep', period: '2026-09' }] });
    expect(finalOf(items)).toMatchObject({ period: '2026-09-01..2026-11-12', from: '2026-09-01', to: '2026-11-12', dueDate: '2027-02-12', status: 'due' });
    expect(finalOf(items)?.project).toEqual({ id: 'feast', name: '百家宴', startsOn: '2026-09-01', endsOn: '2026-09-30' });
  });

  test('it is done once the months up to the last payment are published', () => {
    const published = ['2026-09', '2026-10', '2026-11'].map((period) => ({ id: period, period }));
    const items = disclosureCalendar({ ...base, today: '2026-12-05', projects: [{ ...feast, firstMovedOn: '2026-09-26', lastMovedOn: '2026-11-12' }], published });
    expect(finalOf(items)).toMatchObject({ status: 'done', coveredBy: published.map(({ id, period }) => ({ disclosureId: id, period })) });
    expect(finalOf(items)?.disclosureId).toBeUndefined();
  });

  test('money before the planned start moves the report’s first day back; money inside the dates changes nothing', () => {
    const early = disclosureCalendar({ ...base, projects: [{ ...feast, firstMovedOn: '2026-08-20', lastMovedOn: '2026-09-26' }], published: [] });
    expect(finalOf(early)).toMatchObject({ period: '2026-08-20..2026-09-30', dueDate: '2026-12-30' });
    const inside = disclosureCalendar({ ...base, projects: [{ ...feast, firstMovedOn: '2026-09-26', lastMovedOn: '2026-09-26' }], published: [{ id: 'sep', period: '2026-09' }] });
    expect(finalOf(inside)).toMatchObject({ period: '2026-09-01..2026-09-30', status: 'done', disclosureId: 'sep' });
  });
});
