/**
 * How a payer or payee appears on anything the public can read (reports, PDFs, web pages).
 * Charity Law art. 82 protects donors' personal information, so an individual's name is shown
 * only when they agreed to it. This module decides the public form of a name and nothing else:
 * it never sees amounts and never decides whether a counterparty is shown at all.
 */

export interface Counterparty {
  name: string;
  anonymous: boolean;
  /** The giver's answer to "may we print your name?"; `null` when nobody asked (a payment's payee). */
  nameConsent: boolean | null;
}

export const ANONYMOUS_LABEL = '匿名';

/**
 * Words that mark an organisation rather than a person. A payee that is an organisation (the
 * company that fixed the street lights) is shown in full: its name is not personal information
 * and residents have a real interest in knowing who was paid. The list errs towards
 * organisations that appear in a neighbourhood's books; a person's name never contains these
 * words, while an organisation missing from the list only gets masked, which is the safe side.
 * Givers are asked instead (a receipt's `nameConsent`), organisations too: the contract shows
 * a giver's full name only with consent.
 */
export const ORGANISATION_MARKERS: readonly string[] = [
  '公司',
  '有限',
  '集团',
  '超市',
  '商行',
  '店',
  '协会',
  '委员会',
  '委会',
  '中心',
  '基金会',
  '物业',
  '合作社',
  '学校',
  '医院',
  '银行',
  // Small businesses and groups that pay or get paid in a station's books (个体工商户 names end
  // in 服务部, 经营部, 门市部; residents' working groups in 筹备组, 小组).
  '服务部',
  '经营部',
  '门市部',
  '工作室',
  '餐厅',
  '饭店',
  '诊所',
  '药房',
  '筹备组',
  '小组',
  '办事处',
  '街道',
  '社区',
];

/**
 * Added in report format 3 (format 1 and 2 snapshots are rebuilt with the list above): public
 * bodies and schools that a station pays (南岸区民政局, 南坪镇人民政府, 重庆市第一中学, 南坪派出所,
 * 红十字会), and names in Latin letters that end in a company or body word (ABC Ltd, City Print
 * Co.). An acceptance pass found these masked like people (南*, A*). None of them is a word a
 * person's name is made of; 会 alone is (张会芳), so only whole names of bodies ending in it are here.
 *
 * These lists (this one, ORGANISATION_ENDINGS and LATIN_ORGANISATION) are part of formats 3
 * and 4: changing them changes how published reports of those formats rebuild, so they would
 * fail verification. A change needs a new format (see model.ts); a unit test pins format 3's
 * output.
 */
export const MORE_ORGANISATION_MARKERS: readonly string[] = [
  '政府',
  '人民法院',
  '检察院',
  '派出所',
  '事务所',
  '研究所',
  '卫生院',
  '卫生服务站',
  '公益站',
  '红十字会',
  '商会',
  '工会',
  '居委',
  '村委',
  '党委',
  '党支部',
];
/**
 * Words that mark a body only where they end a name long enough to be one: a given name can
 * hold a school word (王小学), and a person can be named by title (王局长, 王局).
 */
export const ORGANISATION_ENDINGS: readonly (readonly [ending: string, minLength: number])[] = [
  ['局', 3],
  ['幼儿园', 4],
  ['小学', 4],
  ['中学', 4],
  ['大学', 4],
  ['学院', 4],
];
export const LATIN_ORGANISATION = /\b(ltd|limited|co|inc|llc|llp|plc|gmbh|company|corp|corporation|group|school|college|university|hospital|clinic|bank|association|society|foundation|committee|council|centre|center|club|studio|shop|store)\b\.?$/i;

/**
 * Added in report format 5: the working groups, markets and small trades a station pays that
 * format 4 still masked like people (the sixth acceptance pass saw 路灯工程队 printed as 路* and
 * 农贸市场李记 as 农*, next to 五金店 in full). Words inside a name that no person's name holds,
 * then endings that mark a trade or a team only after a name of at least that many characters
 * (张小队 or 李记 could be a person; 维修队, 老李记 are not). Part of format 5 like the lists
 * above are of formats 3 and 4.
 */
export const FORMAT5_ORGANISATION_MARKERS: readonly string[] = ['工程', '市场', '施工', '装修', '维修部', '回收站', '加油站', '印刷', '车队', '物流', '快递', '家政', '保洁', '餐馆', '面馆', '茶馆', '照相馆', '五金', '建材', '电器'];
export const FORMAT5_ORGANISATION_ENDINGS: readonly (readonly [ending: string, minLength: number])[] = [
  ['队', 3],
  ['团', 3],
  ['厂', 3],
  ['铺', 3],
  ['馆', 3],
  ['记', 3],
  ['部', 3],
  ['站', 3],
  ['所', 3],
];

/** Which words mark an organisation: format 1 and 2 reports used the first list only, formats 3 and 4 the wider one. */
export type OrganisationMarkers = 'first' | 'wider' | 'widest';

const endsAsOrganisation = (name: string, endings: readonly (readonly [string, number])[]) =>
  endings.some(([ending, minLength]) => name.endsWith(ending) && Array.from(name).length >= minLength);

export function isOrganisationName(name: string, markers: OrganisationMarkers = 'widest'): boolean {
  if (ORGANISATION_MARKERS.some((marker) => name.includes(marker))) return true;
  if (markers === 'first') return false;
  const trimmed = name.trim();
  if (
    MORE_ORGANISATION_MARKERS.some((marker) => trimmed.includes(marker)) ||
    endsAsOrganisation(trimmed, ORGANISATION_ENDINGS) ||
    LATIN_ORGANISATION.test(trimmed)
  ) {
    return true;
  }
  if (markers === 'wider') return false;
  return FORMAT5_ORGANISATION_MARKERS.some((marker) => trimmed.includes(marker)) || endsAsOrganisation(trimmed, FORMAT5_ORGANISATION_ENDINGS);
}

/**
 * Which counterparties an organisation's name shows for without consent: `unasked` (payees,
 * whom nobody asked; givers are asked) since report format 2, `always` in format 1, whose
 * snapshots are rebuilt by that rule when they are verified.
 */
export type OrganisationRule = 'unasked' | 'always';

/**
 * The public form of a counterparty: `null` when there is none, `匿名` when the giver asked
 * for anonymity (this wins over consent, because the giver's explicit wish is the stronger
 * signal) or left no name, the full name with consent, or for a payee nobody asked (consent
 * `null`) that is an organisation; otherwise the first character and `*` (张三丰 → 张*).
 * Characters are counted by code point so a rare surname outside the BMP is not cut in half.
 */
export function publicName(
  counterparty: Counterparty | null | undefined,
  organisations: OrganisationRule = 'unasked',
  markers: OrganisationMarkers = 'widest',
): string | null {
  if (counterparty === null || counterparty === undefined) return null;
  const name = counterparty.name.trim();
  if (counterparty.anonymous || name.length === 0) return ANONYMOUS_LABEL;
  if (counterparty.nameConsent === true) return name;
  if ((counterparty.nameConsent === null || organisations === 'always') && isOrganisationName(name, markers)) return name;
  const first = Array.from(name)[0];
  return `${first}*`;
}
