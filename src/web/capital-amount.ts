/**
 * An amount in 人民币大写 (the capital numerals of cheques and receipts: ¥1,005.50 →
 * 壹仟零伍元伍角), which a treasurer reads back to confirm a large amount. Rules of the
 * 《支付结算办法》: 整 after 元 when there are no 角 and 分; 零 where digits are skipped;
 * 壹拾 spelled out.
 */
const DIGITS = '零壹贰叁肆伍陆柒捌玖';
const PLACES = ['', '拾', '佰', '仟'];
const GROUPS = ['', '万', '亿', '万亿', '亿亿'];

/** `amount` is a decimal string with at most two fractional digits and at most 20 integer digits. */
export function capitalAmount(amount: string): string {
  const negative = amount.startsWith('-');
  const [whole, fraction = ''] = (negative ? amount.slice(1) : amount).split('.');
  const digits = whole.replace(/^0+(?=\d)/, '');
  const [jiao, fen] = fraction.padEnd(2, '0').split('').map(Number);
  let yuan = '';
  if (digits !== '0') {
    const groups: string[] = [];
    for (let end = digits.length; end > 0; end -= 4) groups.unshift(digits.slice(Math.max(0, end - 4), end));
    let zeroPending = false;
    groups.forEach((group, index) => {
      const value = Number(group);
      const unit = GROUPS[groups.length - 1 - index];
      if (value === 0) {
        zeroPending = yuan !== '';
        return;
      }
      if (yuan !== '' && (zeroPending || group.length === 4 && group.startsWith('0'))) yuan += '零';
      yuan += groupText(group) + unit;
      zeroPending = false;
    });
    yuan += '元';
  }
  let cents = '';
  if (jiao > 0) cents += `${DIGITS[jiao]}角`;
  if (fen > 0) cents += `${yuan !== '' && jiao === 0 ? '零' : ''}${DIGITS[fen]}分`;
  const text = yuan === '' && cents === '' ? '零元整' : cents === '' ? `${yuan}整` : yuan + cents;
  return negative ? `负${text}` : text;
}

/** Up to four digits without their group's unit: 1005 → 壹仟零伍, 0050 → 伍拾. */
function groupText(group: string): string {
  let text = '';
  let zero = false;
  const padded = group.padStart(4, '0');
  for (let i = 0; i < 4; i += 1) {
    const digit = Number(padded[i]);
    if (digit === 0) {
      zero = text !== '';
      continue;
    }
    if (zero) text += '零';
    text += DIGITS[digit] + PLACES[3 - i];
    zero = false;
  }
  return text;
}
