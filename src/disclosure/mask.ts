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

export function isOrganisationName(name: string): boolean {
  return ORGANISATION_MARKERS.some((marker) => name.includes(marker));
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
export function publicName(counterparty: Counterparty | null | undefined, organisations: OrganisationRule = 'unasked'): string | null {
  if (counterparty === null || counterparty === undefined) return null;
  const name = counterparty.name.trim();
  if (counterparty.anonymous || name.length === 0) return ANONYMOUS_LABEL;
  if (counterparty.nameConsent === true) return name;
  if ((counterparty.nameConsent === null || organisations === 'always') && isOrganisationName(name)) return name;
  const first = Array.from(name)[0];
  return `${first}*`;
}
