/**
 * Plain-Chinese sentences for what went wrong, for the web pages. Domain errors carry stable
 * codes and English details meant for developers; a treasurer reads these instead. This module
 * only words errors: it never decides whether something is an error.
 */
import { DomainError } from '../shared/errors';
import { STATUS_BY_CODE } from '../http/problem';
import type Decimal from 'decimal.js';
import { D } from '../shared/money';
import { addMonths, monthOf } from '../shared/dates';
import { chineseDate, chineseMonth, yuan } from './views';

const ACCOUNT_NAMES: Record<string, string> = { '1001': '现金', '1002': '银行存款', '1009': '其他货币资金' };

/**
 * The summary above a form whose fields are marked in red. templates/partials/form-error.eta
 * says it shorter (请修改下面标红的地方。) when only one field is marked: keep the two in step.
 */
export const MARKED_FIELDS = '有几处需要修改，请看下面标红的地方。';

/**
 * What a form knows that a refused command does not carry: the date that was typed, the date
 * of the entry being reversed, and the funds' names (errors name a fund by its code).
 */
export interface FormContext {
  date?: string;
  originalDate?: string;
  fundNames?: Record<string, string>;
  /** What the money that was short was for, when not a payment: "这次存入银行". */
  payingFor?: string;
  /** What to do about a shortfall, where a payment's advice (amount, date, another fund) does not fit. */
  remedy?: string;
}

/** One sentence for the top of a form or an error page. */
export function sentenceFor(error: DomainError, context: FormContext = {}): string {
  switch (error.code) {
    case 'insufficient_funds': {
      const advice = context.payingFor ? '' : `，或${typeof error.extra.fundCode === 'string' ? '换一个资金来源' : '选择另一种付款方式'}`;
      return `${shortfallOf(error, context)}，不够${context.payingFor ?? '这笔支出'}。${context.remedy ?? `请核对金额和日期${advice}。`}`;
    }
    case 'period_closed': {
      const through = closedThroughOf(error, context);
      if (typeof error.extra.stationName === 'string') {
        const closed = through ? `已结账到${chineseMonth(through)}` : `${context.date ? chineseMonth(monthOf(context.date)) : '在这个月'}已结账`;
        return `受资助的${error.extra.stationName}的账本${closed}，这一天不能再往它的账上记款。请换一个日期，或请该公益站的出纳核对。`;
      }
      return through
        ? `账本已结账到${chineseMonth(through)}（结账会冻结这个月和之前的所有月份），这一天不能再记账。请改为${chineseMonth(through)}以后的日期。`
        : '该月份已结账，不能再记账。请把日期改为未结账的月份。';
    }
    case 'period_in_future':
      return '只能结今年以内的月份。请检查年份是否填错了。';
    case 'period_already_closed':
      return '这个月份已经结过账了，不需要再结。';
    case 'pending_entries_in_period': {
      const months = Array.isArray(error.extra.months) ? error.extra.months.filter((m): m is string => typeof m === 'string') : [];
      const where = months.length > 0 ? `${months.map(chineseMonth).join('、')}` : '这个月或之前的月份';
      return `${where}还有等待监委会审批的账目。结账后它们就不能再审批了，请先审批通过或退回，再结账。`;
    }
    case 'amount_too_large':
      return typeof error.extra.accountCode === 'string'
        ? `这一年科目 ${error.extra.accountCode}${typeof error.extra.fundCode === 'string' ? `（资金“${context.fundNames?.[error.extra.fundCode] ?? error.extra.fundCode}”）` : ''}的合计超出了系统能记的最大金额，无法做年度收支结转。请先冲销金额记错的那笔账，再结账。`
        : '金额太大了，账上的合计会超出系统能记的最大金额。请核对金额。';
    case 'reversal_before_original':
      return '冲销的日期不能早于原来那笔账的日期，请改一下日期。';
    case 'already_reversed':
      return '这笔账已经冲销过了，一笔账只能冲销一次。';
    case 'not_pending':
      return '这笔账已经不在等待审批的状态（可能已有人审批或退回过）。';
    case 'self_approval':
      return '不能审批自己记的账，需要由另一位监委会成员审批。';
    case 'invalid_credentials':
      return '用户名或密码不对，请再试一次。';
    case 'too_many_requests':
      return '尝试次数太多了，请等一分钟再试。';
    case 'unauthenticated':
      return '请先登录。';
    case 'forbidden':
      return '您没有做这件事的权限。如有疑问，请联系管理员。';
    case 'not_found':
      return '没有找到这一页或这条记录。';
    case 'unsupported_media_type':
      return '只能上传 JPEG、PNG 照片或 PDF 文件。';
    case 'file_too_large':
    case 'payload_too_large':
      return '文件太大了，请上传不超过 5 MB 的照片或 PDF。';
    case 'unknown_fund':
      return '找不到所选的资金，请重新选择。';
    case 'unknown_project':
      return '找不到所选的项目，请重新选择。';
    case 'invalid_state':
      return '当前状态下不能进行这个操作。';
    case 'restricted_release_by_hand':
      return '限定性净资产（3102）不能手工记在借方：限定性资金用掉多少就自动解除多少限制。记错的账请冲销后重记。';
    case 'net_assets_fund_mismatch':
      return '非限定性净资产（3101）只能记在非限定性资金上，限定性净资产（3102）只能记在限定性资金上。限定性资金用掉多少就自动解除多少限制，不用手工记账。';
    case 'entry_not_balanced':
    case 'unknown_account':
    case 'header_account':
    case 'accounting_rule':
      return '这笔账不符合记账规则，没有记入。请联系管理员。';
    case 'duplicate':
      return '已经有一条相同的记录了。';
    case 'invalid_request':
      return MARKED_FIELDS;
    case 'round_budget_exceeded': {
      const remaining = typeof error.extra.remaining === 'string' ? `：只剩 ${yuan(error.extra.remaining)}` : '';
      return `这一轮的预算不够了${remaining}。请减少批准金额，或先调整其他项目。`;
    }
    case 'disbursement_exceeds_award': {
      const remaining = typeof error.extra.remaining === 'string' ? `还可拨付 ${yuan(error.extra.remaining)}，` : '';
      return `拨付总额不能超过批准金额：${remaining}请核对金额。`;
    }
    case 'tranche_condition_unmet': {
      const releasable = typeof error.extra.releasable === 'string' ? `现在只能拨付 ${yuan(error.extra.releasable)}；` : '';
      return `${releasable}下一笔款要等申请方交了相应的报告才能拨付。`;
    }
    case 'refund_before_disbursement':
      return '退款日期不能早于拨付这笔钱的日期，请改一下日期。';
    case 'refund_exceeds_disbursed': {
      const refundable = typeof error.extra.refundable === 'string' ? `最多只能退回 ${yuan(error.extra.refundable)}` : '退回金额太多了';
      return `${refundable}（已拨付减去已退回的部分）。`;
    }
    case 'not_enough_reviews':
      return '评审意见还不够（回避的不算），暂时不能作出决定。请等评审完成。';
    case 'reviewer_has_reviewed':
      return '这位评审已经提交了评审（或声明了回避），评审记录要保留，不能撤销指派。';
    case 'already_reviewed':
      return '您已经提交过评审（或已声明回避），不能再次提交。';
    case 'award_exceeds_request':
      return '批准金额不能超过申请金额。';
    case 'tranches_mismatch':
      return '各期拨款加起来要等于批准金额，请核对每一期的金额。';
    case 'round_not_open':
      return '这一轮不在申报时间内，现在不能提交申请。';
    case 'not_a_reviewer':
      return '只能指派本基金会的评审，且不能是申请人本人。';
    case 'not_a_foundation':
      return '只有社区基金会可以发起资助轮次。';
    case 'unknown_station':
      return '找不到所选的公益站，请重新选择。';
    case 'unknown_budget_line':
      return '报告里的支出要对应申请时的预算明细。';
    case 'idempotency_key_reused':
      return '这张表刚才已经保存过了（可能是按了返回键、改了内容又提交），刚才那一笔已经记下。请先核对刚才保存的记录：记错了就冲销或退回后重记；如果确实要再记一笔，请核对下面的内容后再提交一次。';
    case 'report_lines_mismatch':
      return typeof error.extra.linesTotal === 'string' && typeof error.extra.spent === 'string'
        ? `各预算明细的支出加起来是 ${yuan(error.extra.linesTotal)}，总支出填的是 ${yuan(error.extra.spent)}，两者要相等，请核对。`
        : '各预算明细的支出加起来要等于总支出，请核对。';
    default:
      return '操作没有成功，请稍后再试。';
  }
}

/**
 * The sentence for a refused grant amendment. The same codes mean something narrower here than
 * elsewhere: the award stays as it is, so a mismatch names it, and a state conflict that points
 * at tranches means a paid tranche was changed (a stale page, or a tampered one).
 */
export function amendmentSentenceFor(error: DomainError, amountAwarded: string | null): string {
  if (error.code === 'tranches_mismatch') {
    return `各期金额之和必须等于批准金额 ${yuan(amountAwarded)}（修改不会改变批准金额），请核对未拨付各期的金额。`;
  }
  if (error.code === 'invalid_state') {
    if (error.errors.some((problem) => problem.path.startsWith('body.tranches'))) return '已拨付的一期不能修改。已拨付的各期已按原样填回，请只调整未拨付的部分。';
    return '只有已批准、执行中或结项报告中的资助可以修改。';
  }
  return sentenceFor(error);
}

/** Next to tranches that do not add up: how far off the typed total is. */
export function trancheTotalHint(total: Decimal, amountAwarded: string): string {
  const difference = D(amountAwarded).minus(total);
  const gap = difference.isNegative() ? `多了 ${yuan(difference.negated())}` : `还差 ${yuan(difference)}`;
  return `现在各期合计 ${yuan(total)}，批准金额 ${yuan(amountAwarded)}，${gap}。`;
}

/**
 * How much money there was: the lowest balance from the entry's date on, because a payment
 * may not take money that later payments already spent. The fund is named, not coded.
 */
function shortfallOf(error: DomainError, context: FormContext): string {
  const available = yuan(typeof error.extra.available === 'string' ? error.extra.available : '0.00');
  const from = typeof error.extra.lowestFrom === 'string' ? error.extra.lowestFrom : context.date;
  const when = from ? `按${chineseDate(from)}及以后的账，` : '';
  const least = from ? '最少时' : '';
  const fundCode = error.extra.fundCode;
  // A grant's refund is refused by the grantee station's books: its fund for the project.
  if (typeof fundCode === 'string' && typeof error.extra.stationName === 'string') return `${when}受资助的${error.extra.stationName}账上这个项目的资金${least}只剩 ${available}`;
  if (typeof fundCode === 'string') return `${when}限定性资金“${context.fundNames?.[fundCode] ?? fundCode}”${least}只剩 ${available}`;
  const code = typeof error.extra.accountCode === 'string' ? error.extra.accountCode : '';
  return `${when}${ACCOUNT_NAMES[code.slice(0, 4)] ?? '账户'}${least}只有 ${available}`;
}

/** The latest closed month when a later close froze the typed date (not when the date's own month is closed). */
function closedThroughOf(error: DomainError, context: FormContext): string | null {
  const through = error.extra.closedThrough;
  if (typeof through !== 'string') return null;
  return context.date && monthOf(context.date) === through ? null : through;
}

/**
 * The real reason next to the field a refusal is about, where the generic "how to fill this
 * in" hint would be wrong: a date was typed, it is just not allowed.
 */
export function fieldHintsFor(error: DomainError, context: FormContext = {}): Record<string, string> {
  switch (error.code) {
    case 'insufficient_funds':
      return { amount: `${shortfallOf(error, context)}，请减少金额或改一下日期。` };
    case 'period_closed': {
      const through = closedThroughOf(error, context);
      // A grant posts into the grantee station's books too: say whose books are closed.
      const station = typeof error.extra.stationName === 'string' ? `${error.extra.stationName}的账本` : '';
      if (through) return { date: `${station || '账本'}已结账到${chineseMonth(through)}，请改为${chineseMonth(through)}以后的日期。` };
      return { date: `${station}${context.date ? chineseMonth(monthOf(context.date)) : '这个月'}已结账，请改为还没结账的月份里的日期。` };
    }
    case 'reversal_before_original':
      return { date: context.originalDate ? `冲销日期不能早于原来那笔账的日期（${chineseDate(context.originalDate)}），请填这一天或以后的日期。` : '冲销日期不能早于原来那笔账的日期。' };
    case 'refund_before_disbursement': {
      const refundable = typeof error.extra.refundableOn === 'string' ? `只有 ${yuan(error.extra.refundableOn)}` : '不够退这么多';
      return { date: `退款日期早于拨付这笔钱的日期：到${context.date ? chineseDate(context.date) : '这一天'}为止，拨出去还没退回的${refundable}。请填拨付那天或以后的日期。` };
    }
    case 'award_exceeds_request':
      return { amount: '批准金额不能超过申请金额，请改小一些。' };
    // The refusals below are about how much: said at the amount typed, not only on top.
    case 'round_budget_exceeded':
      return { amount: typeof error.extra.remaining === 'string' ? `这一轮的预算只剩 ${yuan(error.extra.remaining)}，请改小一些。` : '这一轮的预算不够了，请改小一些。' };
    case 'disbursement_exceeds_award':
      return { amount: typeof error.extra.remaining === 'string' ? `超过了批准金额：还可拨付 ${yuan(error.extra.remaining)}。` : '超过了批准金额，请改小一些。' };
    case 'tranche_condition_unmet':
      return { amount: typeof error.extra.releasable === 'string' ? `现在只能拨付 ${yuan(error.extra.releasable)}，其余要等申请方交了报告。` : '下一笔款要等申请方交了报告才能拨付。' };
    case 'refund_exceeds_disbursed':
      return { amount: typeof error.extra.refundable === 'string' ? `最多只能退回 ${yuan(error.extra.refundable)}。` : '退回金额太多了，请改小一些。' };
    default:
      return {};
  }
}

/**
 * When every day up to today is closed (this month was closed, or a later one early), what the
 * treasurer's pages say instead of offering a form every date of which would be refused: the
 * web forms take no day after today. Null while today's month is open. `closedThrough` is the
 * latest closed month, '' when none.
 */
export function booksClosedSentence(closedThrough: string, today: string): string | null {
  const current = monthOf(today);
  if (!closedThrough || closedThrough < current) return null;
  const reopens = `${addMonths(closedThrough, 1)}-01`;
  const reopensOn = reopens.startsWith(today.slice(0, 4)) ? `${Number.parseInt(reopens.slice(5, 7), 10)}月1日` : chineseDate(reopens);
  const closed = closedThrough === current ? `本月（${Number.parseInt(current.slice(5, 7), 10)}月）已结账` : `账本已结账到${chineseMonth(closedThrough)}`;
  return `${closed}，${reopensOn}起可以记新的账。`;
}

/**
 * The books record what happened, not what is planned: every form refuses a day after today
 * with this sentence (the API takes such dates; README says why). Null when the day may be used.
 */
export function dateAfterTodaySentence(date: string, today: string): string | null {
  return date > today ? `日期不能晚于今天（${chineseDate(today)}），请填今天或以前的日期。` : null;
}

/** Next to an amount that reads as a number but has more digits than the books keep (the usual hint asks for one above zero). */
export const AMOUNT_TOO_LARGE_HINT = '金额太大了，账本最多能记 18 位整数。请核对一下，是不是多打了几个 0？';

/** Next to a giver's choices when both 匿名 and 同意公开全名 are ticked. */
export const DONOR_CHOICE_HINT = '“希望匿名”和“同意公开全名”只能选一个：要匿名就去掉“同意公开全名”的勾，要公开名字就去掉“希望匿名”的勾。';

/** The HTTP status a web page answers for an error code: the API's table, so both agree. */
export function webStatusOf(code: string): number {
  return STATUS_BY_CODE[code] ?? 409;
}

/** What each form field asks for, said as the fix when the value was not accepted. */
export const FIELD_HINTS: Record<string, string> = {
  amount: '请填写大于零的金额，例如 150 或 150.50（最多两位小数，数字中间不要有空格）。',
  date: '请填写日期，例如 2026年3月5日。',
  kind: '请选择收入类型。',
  direction: '请选择是现金存入银行，还是从银行取现金。',
  method: '请选择是现金还是银行。',
  payer: '付款人名字太长了（最多 200 字）。',
  payee: '请填写收款人（把钱付给谁）。',
  purpose: '请写明这笔钱的用途。',
  category: '请选择支出类别。',
  fundCode: '请选择资金。',
  projectId: '请选择项目。',
  memo: '备注太长了（最多 500 字）。',
  reason: '请写明冲销的原因。',
  cashCounted: '请填写清点的现金金额，例如 1200 或 1200.50。',
  bankStatementBalance: '请填写银行对账单上的余额，例如 8000.00。',
  note: '说明太长了（最多 1000 字）。',
  period: '请选择月份，例如 2026年3月。',
  confirm: '请勾选确认后再结账。',
  username: '请填写用户名。',
  password: '请填写密码。',
  file: '只能上传 JPEG、PNG 照片或 PDF 文件，且不超过 5 MB。',
  hash: '请粘贴报告的编号或 SHA-256 校验码。',
  title: '请填写名称（最多 200 字）。',
  description: '请写一段说明（最多 5000 字）。',
  budget: '请填写大于零的预算金额，例如 50000。',
  opensOn: '请选择开始申报的日期，例如 2026年3月1日。',
  closesOn: '请选择申报截止日期，要晚于开始日期。',
  rubric: '请至少填一项评分标准；每项的简称不能重复。',
  'rubric.key': '简称用英文字母或数字开头，可含字母、数字、下划线和连字符，例如 impact 或 budget-fit。',
  'rubric.label': '请填写这项标准的名称。',
  'rubric.weight': '权重请填大于零的数字，例如 1 或 2。',
  minReviews: '请填写 1 到 20 之间的整数。',
  organization: '请填写申请单位或团队名称。',
  contact: '请填写联系人和联系方式。',
  summary: '请简要说明项目内容（最多 5000 字）。',
  beneficiaries: '受益人群说明太长了（最多 2000 字）。',
  requestedAmount: '请填写大于零的申请金额，例如 1000。',
  budgetLines: '请至少填一行预算明细，每行写明用途和金额，用途不能重复。',
  'budgetLines.item': '请写明这一行的用途。',
  'budgetLines.amount': '请填写大于零的金额，例如 600。',
  stationEntityId: '请重新选择公益站。',
  userIds: '请至少勾选一位评审。',
  decision: '请选择批准还是不批准。',
  awardAmount: '请填写大于零的批准金额，例如 1000。',
  tranches: '请填写每期拨款的金额和条件，加起来等于批准金额。',
  'tranches.amount': '请填写大于零的金额。',
  'tranches.condition': '请选择拨付条件。',
  'tranches.label': '说明太长了（最多 200 字）。',
  amendNote: '请写明修改说明：改了什么、为什么改（最多 1000 字）。',
  endsOn: '请填写新的项目结束日期，例如 2026年12月31日（不能早于项目开始日期）。',
  rejectReason: '不批准时请写明原因。',
  rejectionReason: '请写明原因（最多 500 字），例如：金额有误，请核对后重新记账。',
  disburseAmount: '请填写大于零的拨付金额，例如 500。',
  disburseDate: '请填写拨付日期，例如 2026年3月5日。',
  refundAmount: '请填写大于零的退回金额。',
  refundDate: '请填写退款日期，例如 2026年3月5日。',
  narrative: '请写一写项目做了什么（最多 10000 字）。',
  spent: '请填写已花的金额，例如 800（没花可填 0）。',
  lines: '各预算明细的支出加起来要等于总支出。',
};

export function hintFor(field: string): string {
  return FIELD_HINTS[field] ?? '这一项的填写有误，请检查。';
}
