/**
 * Demo data for `npm start` (DEMO_DATA=1): a 公益站 modelled on the Nan'an story — parking,
 * recycling and donation receipts over three months, a 百家宴 and a street-light repair paid,
 * partly from a restricted donation — and a district foundation with a grant manager, two
 * reviewers and an applicant. Names are fictional. Everything goes through the services, so
 * the demo books obey every rule real books do. Seeding an already-seeded database does nothing.
 */
import type { Knex } from 'knex';
import { loadActor } from '../src/auth/queries';
import * as auth from '../src/auth/service';
import type { Actor } from '../src/auth/actor';
import * as ledger from '../src/ledger/service';
import * as grants from '../src/grants/service';
import * as disclosure from '../src/disclosure/service';
import { periodOf, quarterOf } from '../src/disclosure/calendar';
import { Clock, today } from '../src/shared/clock';
import { addMonths, lastDayOfMonth } from '../src/shared/dates';

export const DEMO_PASSWORD = 'demo-2026';
export const DEMO_STATION_CODE = 'NP-YANGGUANG';
export const DEMO_FOUNDATION_CODE = 'NA-FOUNDATION';

export interface DemoSummary {
  created: boolean;
  password: string;
  users: { username: string; role: string; label: string }[];
  stationId: string;
  foundationId: string;
}

const USERS = [
  { username: 'admin', role: 'admin', label: '系统管理员' },
  { username: 'treasurer', role: 'treasurer', label: '王秀英 · 阳光社区公益站出纳' },
  { username: 'supervisor', role: 'supervisor', label: '李建国 · 监委会' },
  { username: 'ftreasurer', role: 'treasurer', label: '孙会计 · 基金会财务' },
  { username: 'grants', role: 'grant_manager', label: '陈敏 · 基金会项目部' },
  { username: 'reviewer1', role: 'reviewer', label: '周立 · 评审' },
  { username: 'reviewer2', role: 'reviewer', label: '吴芳 · 评审' },
  { username: 'applicant', role: 'applicant', label: '赵丽 · 邻里互助会' },
];

export async function seedDemo(db: Knex, clock: Clock): Promise<DemoSummary> {
  const existing = await db('entities').where({ code: DEMO_STATION_CODE }).first('id');
  if (existing) {
    const foundation = await db('entities').where({ code: DEMO_FOUNDATION_CODE }).first('id');
    return { created: false, password: DEMO_PASSWORD, users: USERS, stationId: existing.id, foundationId: foundation?.id };
  }

  const admin = await ensureAdmin(db);
  const station = await ledger.createEntity(db, admin, { code: DEMO_STATION_CODE, name: '南坪街道阳光社区公益站', kind: 'station', approvalThreshold: '5000.00' });
  const foundation = await ledger.createEntity(db, admin, { code: DEMO_FOUNDATION_CODE, name: '南岸区社区公益事业发展基金会', kind: 'foundation', approvalThreshold: null });

  const make = async (username: string, displayName: string, roles: { role: string; entityId: string | null }[]) => {
    const user = await auth.createUser(db, admin, { username, displayName, password: DEMO_PASSWORD, roles: roles as never });
    return (await loadActor(db, user.id)) as Actor;
  };
  const treasurer = await make('treasurer', '王秀英', [{ role: 'treasurer', entityId: station.id }]);
  const supervisor = await make('supervisor', '李建国', [{ role: 'supervisor', entityId: station.id }]);
  const foundationTreasurer = await make('ftreasurer', '孙会计', [{ role: 'treasurer', entityId: foundation.id }]);
  const grantManager = await make('grants', '陈敏', [{ role: 'grant_manager', entityId: foundation.id }]);
  const reviewer1 = await make('reviewer1', '周立', [{ role: 'reviewer', entityId: foundation.id }]);
  const reviewer2 = await make('reviewer2', '吴芳', [{ role: 'reviewer', entityId: foundation.id }]);
  const applicant = await make('applicant', '赵丽', [{ role: 'applicant', entityId: null }]);
  void supervisor;

  const thisMonth = today(clock).slice(0, 7);
  const [m1, m2, m3] = [addMonths(thisMonth, -3), addMonths(thisMonth, -2), addMonths(thisMonth, -1)];
  const day = (month: string, d: number) => `${month}-${String(d).padStart(2, '0')}`;

  const lights = await ledger.createProject(db, treasurer, station.id, { code: 'STREETLIGHT', name: '路灯维修', startsOn: day(m2, 1), endsOn: lastDayOfMonth(m3) });
  const feast = await ledger.createProject(db, treasurer, station.id, { code: 'FEAST', name: '百家宴', startsOn: day(m2, 1), endsOn: day(m2, 30) });
  await ledger.createProject(db, treasurer, station.id, { code: 'GOOD-NEIGHBOUR', name: '评选社区好人', startsOn: day(m3, 1), endsOn: null });
  await ledger.createFund(db, treasurer, station.id, { code: 'LIGHTS', name: '路灯维修专项捐赠', restricted: true, purpose: '重庆渝南物业有限公司定向捐赠，用于小区路灯维修' });

  const receipt = (command: Parameters<typeof ledger.recordReceipt>[3]) => ledger.recordReceipt(db, treasurer, station.id, command);
  const payment = (command: Parameters<typeof ledger.recordPayment>[3]) => ledger.recordPayment(db, treasurer, station.id, command);

  for (const [index, month] of [m1, m2, m3].entries()) {
    await receipt({ kind: 'parking', date: day(month, 5), amount: ['1860.00', '1725.50', '1912.00'][index], method: 'cash', memo: `${month.slice(5)}月停车场公共收益` });
    await receipt({ kind: 'recycling', date: day(month, 18), amount: ['312.40', '365.00', '298.60'][index], method: 'cash', memo: '废品回收站结算' });
  }
  await receipt({ kind: 'donation', date: day(m1, 12), amount: '200.00', method: 'cash', payer: '张三丰', memo: '居民捐赠' });
  await receipt({ kind: 'donation', date: day(m1, 20), amount: '500.00', method: 'cash', payer: '刘某', anonymous: true, memo: '居民捐赠' });
  await receipt({ kind: 'donation', date: day(m2, 3), amount: '2000.00', method: 'bank', payer: '重庆渝南物业有限公司', nameConsent: true, memo: '企业捐赠' });
  await receipt({ kind: 'donation', date: day(m2, 8), amount: '3000.00', method: 'bank', payer: '重庆渝南物业有限公司', nameConsent: true, fundCode: 'LIGHTS', memo: '路灯维修定向捐赠' });
  await receipt({ kind: 'donation', date: day(m3, 2), amount: '300.00', method: 'cash', payer: '陈玉兰', nameConsent: true, memo: '居民捐赠' });

  await payment({ date: day(m2, 26), amount: '2600.00', method: 'cash', payee: '阳光社区百家宴筹备组', purpose: '重阳百家宴食材及餐具', category: 'program', projectId: feast.id });
  await payment({ date: day(m3, 15), amount: '1480.00', method: 'bank', payee: '南坪明亮电工服务部', purpose: '3栋至6栋路灯维修（更换灯具8套）', category: 'program', projectId: lights.id, fundCode: 'LIGHTS' });
  await payment({ date: day(m3, 16), amount: '86.50', method: 'cash', payee: '南坪文具店', purpose: '账本、收据本等办公用品', category: 'admin' });
  const mistake = await payment({ date: day(m3, 20), amount: '120.00', method: 'cash', payee: '南坪文具店', purpose: '宣传海报打印', category: 'admin' });
  await ledger.reverseEntry(db, treasurer, station.id, mistake.body.id, { date: day(m3, 21), reason: '重复登记：该笔海报费已由街道报销，冲销' });
  await ledger.recordReconciliation(db, treasurer, station.id, { date: lastDayOfMonth(m3), cashCounted: '4786.50', bankStatementBalance: '3520.00', note: '现金实有数与账面相差0.50元，系找零误差' });

  for (const month of [m1, m2, m3]) await ledger.closePeriod(db, treasurer, station.id, month, clock);

  await ledger.recordReceipt(db, foundationTreasurer, foundation.id, { kind: 'donation', date: day(m1, 10), amount: '1200000.00', method: 'bank', payer: '南岸区爱心企业联合会', nameConsent: true, memo: '年度捐赠' });
  await ledger.recordReceipt(db, foundationTreasurer, foundation.id, { kind: 'subsidy', date: day(m2, 15), amount: '300000.00', method: 'bank', payer: '南岸区民政局', nameConsent: true, memo: '社区治理专项补助' });

  await seedGrantRound(db, clock, { foundationId: foundation.id, stationId: station.id, grantManager, reviewers: [reviewer1, reviewer2], applicant });

  // 财务公开: the closed months as a quarter when they make one, else month by month, so the
  // public pages have reports; the supervisor countersigns the latest.
  const disclosureDeps = { db, clock, publicUrl: process.env.PUBLIC_URL ?? `http://localhost:${process.env.PORT ?? 3000}` };
  const quarter = periodOf(quarterOf(day(m1, 1)));
  const periods = quarter.months.join() === [m1, m2, m3].join() ? [quarter.code] : [m1, m2, m3];
  let latestDisclosure: { id: string } | null = null;
  for (const period of periods) latestDisclosure = await disclosure.publish(disclosureDeps, treasurer, station.id, { period });
  if (latestDisclosure) await disclosure.countersign(disclosureDeps, supervisor, latestDisclosure.id, { note: '已逐笔核对凭证与银行对账单，账实相符。' });

  return { created: true, password: DEMO_PASSWORD, users: USERS, stationId: station.id, foundationId: foundation.id };
}

async function ensureAdmin(db: Knex): Promise<Actor> {
  await auth.bootstrapAdmin(db, DEMO_PASSWORD);
  const row = await db('user_roles as r').join('users as u', 'u.id', 'r.user_id').where('r.role', 'admin').whereNull('u.deleted_at').first('u.id');
  return (await loadActor(db, row.id)) as Actor;
}

/**
 * A 公益创投 round open around today, with two applications at different stages: the
 * station's (reviewed, approved in two tranches, first tranche paid into its books) and a
 * reading club's (submitted and under review, one review in).
 */
async function seedGrantRound(
  db: Knex,
  clock: Clock,
  people: { foundationId: string; stationId: string; grantManager: Actor; reviewers: Actor[]; applicant: Actor },
) {
  const { foundationId, stationId, grantManager, reviewers, applicant } = people;
  const day = 24 * 60 * 60 * 1000;
  const round = await grants.createRound(
    db,
    grantManager,
    {
      entityId: foundationId,
      title: '2026年南岸区社区公益创投',
      description: '支持社区居民自组织开展为老、儿童、环境和邻里互助项目，单个项目资助不超过3万元。',
      budget: '200000.00',
      opensAt: new Date(clock.now().getTime() - 30 * day).toISOString(),
      closesAt: new Date(clock.now().getTime() + 30 * day).toISOString(),
      rubric: [
        { key: 'need', label: '社区需求', weight: 3 },
        { key: 'feasibility', label: '可行性', weight: 2 },
        { key: 'participation', label: '居民参与', weight: 2 },
        { key: 'budget', label: '预算合理性', weight: 1 },
      ],
      minReviews: 2,
    },
    clock,
  );

  const canteen = await grants.createApplication(
    db,
    applicant,
    round.id,
    {
      title: '阳光社区长者爱心午餐',
      organization: '南坪街道阳光社区公益站',
      contact: '赵丽 138****2046',
      summary: '为社区70岁以上独居老人每周提供三次午餐，由居民志愿者配送。',
      requestedAmount: '24000.00',
      budgetLines: [
        { item: '食材', amount: '18000.00' },
        { item: '餐盒及配送', amount: '4000.00' },
        { item: '志愿者保险', amount: '2000.00' },
      ],
      beneficiaries: '独居老人约40人',
      stationEntityId: stationId,
    },
    clock,
  );
  await grants.submitApplication(db, applicant, canteen.id, clock);
  await grants.assignReviewers(db, grantManager, canteen.id, { userIds: reviewers.map((reviewer) => reviewer.userId) }, clock);
  await grants.submitReview(db, reviewers[0], canteen.id, { conflictOfInterest: false, scores: { need: 5, feasibility: 4, participation: 4, budget: 3 }, comment: '需求明确，志愿者队伍稳定。' });
  await grants.submitReview(db, reviewers[1], canteen.id, { conflictOfInterest: false, scores: { need: 4, feasibility: 4, participation: 5, budget: 4 }, comment: '建议细化配送路线。' });
  await grants.decide(
    db,
    grantManager,
    canteen.id,
    {
      decision: 'approved',
      amount: '20000.00',
      tranches: [
        { amount: '10000.00', condition: 'on_signing', label: '签约后拨付50%' },
        { amount: '10000.00', condition: 'after_final_report', label: '结项报告后拨付50%' },
      ],
      reason: '评审通过；志愿者保险由街道统一购买，核减4000元。',
    },
    clock,
  );
  await grants.disburse(db, grantManager, canteen.id, { amount: '10000.00', date: today(clock), method: 'bank' }, clock);

  const library = await grants.createApplication(
    db,
    applicant,
    round.id,
    {
      title: '邻里共享图书角',
      organization: '河畔读书会',
      contact: '赵丽 138****2046',
      summary: '在小区架空层设置共享书架，每月组织一次亲子共读。',
      requestedAmount: '8000.00',
      budgetLines: [
        { item: '书架及图书', amount: '6000.00' },
        { item: '活动物料', amount: '2000.00' },
      ],
      beneficiaries: '小区儿童及家长约120人',
    },
    clock,
  );
  await grants.submitApplication(db, applicant, library.id, clock);
  await grants.assignReviewers(db, grantManager, library.id, { userIds: reviewers.map((reviewer) => reviewer.userId) }, clock);
  await grants.submitReview(db, reviewers[0], library.id, { conflictOfInterest: false, scores: { need: 4, feasibility: 5, participation: 4, budget: 4 }, comment: '成本低，可持续。' });
}
