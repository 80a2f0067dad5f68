/** How donors and payees appear to the public (Charity Law art. 82). */
import crypto from 'node:crypto';
import { FORMAT5_ORGANISATION_ENDINGS, FORMAT5_ORGANISATION_MARKERS, LATIN_ORGANISATION, MORE_ORGANISATION_MARKERS, ORGANISATION_ENDINGS, ORGANISATION_MARKERS, publicName } from '../../src/disclosure/mask';

const person = (name: string, anonymous = false, nameConsent: boolean | null = false) => ({ name, anonymous, nameConsent });
/** A payment's payee: nobody asked for consent. */
const payee = (name: string) => person(name, false, null);

describe('publicName', () => {
  test('an individual without consent shows only the first character', () => {
    expect(publicName(person('张三丰'))).toBe('张*');
    expect(publicName(person('李四'))).toBe('李*');
    expect(publicName(person('  王五 '))).toBe('王*');
  });

  test('consent shows the full name', () => {
    expect(publicName(person('张三丰', false, true))).toBe('张三丰');
  });

  test('anonymity wins over consent and over being an organisation', () => {
    expect(publicName(person('张三丰', true, true))).toBe('匿名');
    expect(publicName(person('平安物业服务有限公司', true))).toBe('匿名');
  });

  test('a giver is named only with consent, organisations too (API.md: the full name only with nameConsent)', () => {
    expect(publicName(person('平安物业服务有限公司'))).toBe('平*');
    expect(publicName(person('好又多超市'))).toBe('好*');
    expect(publicName(person('平安物业服务有限公司', false, true))).toBe('平安物业服务有限公司');
  });

  test('report format 1 showed every organisation in full, consent or not (its snapshots are rebuilt that way)', () => {
    expect(publicName(person('平安物业服务有限公司'), 'always')).toBe('平安物业服务有限公司');
    expect(publicName(person('张三丰'), 'always')).toBe('张*');
    expect(publicName(person('平安物业服务有限公司', true), 'always')).toBe('匿名');
  });

  test('a payee nobody asked: organisations in full, people masked', () => {
    for (const name of ['平安物业服务有限公司', '南岸置业集团', '好又多超市', '老王便利店', '南岸区志愿者协会', '南岸社区居民委员会', '花园村委会', '社区服务中心']) {
      expect(publicName(payee(name))).toBe(name);
    }
    expect(publicName(payee('张师傅'))).toBe('张*');
  });

  test('from report format 3 public bodies, schools and company words in Latin letters mark an organisation too', () => {
    for (const name of ['南岸区民政局', '南坪镇人民政府', '重庆市第一中学', '南坪实验小学', '南坪派出所', '红十字会', 'ABC Ltd', 'City Print Co.', 'Green Garden Limited']) {
      expect(publicName(payee(name))).toBe(name);
      expect(publicName(payee(name), 'unasked', 'first')).toBe(`${Array.from(name)[0]}*`);
    }
    // Words a person's name can hold stay masked: a given name 小学 or 会, a Latin name.
    expect(publicName(payee('税务局'))).toBe('税务局');
    for (const name of ['王小学', '张会芳', 'John Smith', '王局长', '王局']) expect(publicName(payee(name))).toBe(`${Array.from(name)[0]}*`);
    // Givers are still asked, whatever the words.
    expect(publicName(person('南岸区民政局'))).toBe('南*');
  });

  test('from report format 5 teams, markets and small trades a station pays are shown in full; formats 3 and 4 still mask them', () => {
    for (const name of ['路灯工程队', '农贸市场李记', '老李记', '南坪施工队', '小区保洁队', '彩印厂', '张家面馆', '废品回收站', '社区合唱团', '顺丰快递', '家电维修部']) {
      expect(publicName(payee(name))).toBe(name);
    }
    for (const name of ['路灯工程队', '农贸市场李记', '彩印厂']) expect(publicName(payee(name), 'unasked', 'wider')).toBe(`${Array.from(name)[0]}*`);
    // A two-character name ending so could be a person's, and a given name can hold 志愿 or 记.
    for (const name of ['李记', '张队', '王志愿', '陈记华']) expect(publicName(payee(name))).toBe(`${Array.from(name)[0]}*`);
    // Givers are still asked.
    expect(publicName(person('路灯工程队'))).toBe('路*');
  });

  test('format 5’s lists are pinned too: a change to them needs a format 6', () => {
    const lists = JSON.stringify([FORMAT5_ORGANISATION_MARKERS, FORMAT5_ORGANISATION_ENDINGS]);
    expect(crypto.createHash('sha256').update(lists).digest('hex')).toBe('d072099c407f37a4cd93ef5c6f675a5a48ee39846c2324e64bbb3b86e1ec82a7');
  });

  test('the word lists are pinned: report formats 1 to 3 rebuild with them, so a change needs a new format', () => {
    const lists = JSON.stringify([ORGANISATION_MARKERS, MORE_ORGANISATION_MARKERS, ORGANISATION_ENDINGS, LATIN_ORGANISATION.source, LATIN_ORGANISATION.flags]);
    expect(crypto.createHash('sha256').update(lists).digest('hex')).toBe('df9550cc3fd10b87fcbe3a3a897eaac4055efad9a8faf6bce1cdbfccb44ddb93');
  });

  test('no counterparty is null; an empty name is 匿名', () => {
    expect(publicName(null)).toBeNull();
    expect(publicName(undefined)).toBeNull();
    expect(publicName(person('   '))).toBe('匿名');
  });

  test('a surname outside the BMP is not cut in half', () => {
    expect(publicName(person('𠀀小明'))).toBe('𠀀*');
  });
});
