import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fixedClock } from '../../src/shared/clock';
import { receive, stationWithStaff } from '../factories';
import { FACTORY_PASSWORD } from '../factories';
import { SHOTS_DIR, useBrowserApp } from './support';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

describe('a treasurer’s month and a resident’s look, in Chromium', () => {
  const e2e = useBrowserApp({ clock: fixedClock('2026-03-31T19:00:00+08:00') });

  it('treasurer logs in, records a parking receipt and a payment, closes the month and publishes; a resident opens the public page and downloads the PDF', async () => {
    const { entity, treasurer } = await stationWithStaff(e2e.ctx, { name: '南岸社区公益站' });
    await receive(e2e.ctx, treasurer, entity.id, '1000.00', { kind: 'donation', date: '2026-03-02', payer: '张三丰' });

    const context = await e2e.newContext({ width: 375, height: 800 });
    const page = await context.newPage();
    await page.goto(`${e2e.baseUrl}/login`);
    await page.getByLabel('用户名').fill(treasurer.username);
    await page.getByLabel('密码').fill(FACTORY_PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL(`**/app/e/${entity.code}`);

    await page.getByRole('link', { name: /记一笔收入/ }).click();
    await page.getByText('停车场公共收益', { exact: true }).click();
    await page.getByLabel(/金额/).fill('１５０');
    await page.evaluate('document.fonts.ready');
      await page.screenshot({ path: path.join(SHOTS_DIR, 'receipt-form-375.png'), fullPage: true });
    await page.getByRole('button', { name: '保存这笔收入' }).click();
    await page.getByText(/收入 ¥[\d,.]+ 已记好，凭证号 \d{4}-\d{6}/).waitFor();
    // The notice takes the focus, so a screen reader reads what was saved.
    await page.waitForFunction("document.activeElement && document.activeElement.id === 'flash'");

    await page.getByRole('link', { name: /记一笔支出/ }).click();
    await page.getByLabel(/金额/).fill('80元');
    await page.getByLabel('收款人（付给谁）').fill('李师傅');
    await page.getByLabel('用途').fill('路灯维修');
    await page.getByText('业务活动成本', { exact: true }).click();
    await page.setInputFiles('#f-file', { name: '发票.png', mimeType: 'image/png', buffer: PNG });
    await page.getByRole('button', { name: '保存这笔支出' }).click();
    await page.getByText(/支出 ¥[\d,.]+ 已记好/).waitFor();
    await page.getByText('¥1,070.00').waitFor();

    // Paying most of the cash into the bank moves money, it is not income or spending: the
    // totals below (page and PDF) stay ¥1,070.00.
    await page.getByRole('link', { name: /存取现金/ }).click();
    await page.getByText('现金存入银行', { exact: true }).click();
    await page.getByLabel(/金额/).fill('５００');
    await page.getByRole('button', { name: '保存这一笔' }).click();
    await page.getByText(/现金存入银行 ¥500\.00 已记好，凭证号 \d{4}-\d{6}/).waitFor();
    await page.getByText('¥570.00').waitFor();

    await page.getByRole('link', { name: '月末结账' }).click();
    await page.locator('label.choice', { hasText: /^2026年3月/ }).click();
    await page.getByRole('button', { name: '确认结账' }).click();
    await page.getByText('请勾选确认后再结账').first().waitFor();
    await page.getByLabel(/确认结账，结账后不能再修改/).check();
    await page.getByRole('button', { name: '确认结账' }).click();
    // Closing March closes January and February with it, and the notice says so.
    await page.getByText(/^2026年1月至2026年3月已结账/).waitFor();

    await page.getByRole('link', { name: '发布公开报告' }).click();
    await page.getByLabel('公开哪个期间').selectOption('2026-03');
    await page.getByRole('button', { name: '发布报告' }).click();
    await page.getByText('报告已发布').waitFor();
    await page.getByRole('heading', { level: 1 }).filter({ hasText: '2026年3月' }).waitFor();
    await context.close();

    // A resident, never logged in, scans the notice board's QR code.
    const resident = await e2e.newContext({ width: 375, height: 800 });
    const phone = await resident.newPage();
    await phone.goto(`${e2e.baseUrl}/`);
    await phone.getByRole('link', { name: /南岸社区公益站/ }).click();
    await phone.getByRole('heading', { name: '现有资金' }).waitFor();
    const text = await phone.locator('main').innerText();
    expect(text).toContain('¥1,070.00');
    expect(text).toContain('停车场公共收益');
    expect(text).not.toContain('张三丰');
    const [download] = await Promise.all([phone.waitForEvent('download'), phone.getByRole('link', { name: '下载 PDF' }).first().click()]);
    const saved = path.join(SHOTS_DIR, 'downloaded-report.pdf');
    await download.saveAs(saved);
    const bytes = fs.readFileSync(saved);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const pdfText = execFileSync('pdftotext', ['-layout', saved, '-']).toString('utf8');
    expect(pdfText).toContain('南岸社区公益站');
    expect(pdfText).toMatch(/期末货币资金[\s\S]*1070\.00/);
    await resident.close();
  });

  it('screenshots the public entity page and the receipt form at phone and desktop widths', async () => {
    const { entity, treasurer } = await stationWithStaff(e2e.ctx, { name: '北岸社区公益站' });
    await receive(e2e.ctx, treasurer, entity.id, '1200.00', { kind: 'parking', date: '2026-03-02' });
    await receive(e2e.ctx, treasurer, entity.id, '356.50', { kind: 'recycling', date: '2026-03-05' });
    await receive(e2e.ctx, treasurer, entity.id, '2000.00', { kind: 'donation', date: '2026-03-06', payer: '某某超市' });
    for (const width of [375, 1280]) {
      const context = await e2e.newContext({ width, height: 900 });
      const page = await context.newPage();
      await page.goto(`${e2e.baseUrl}/e/${entity.code}`);
      await page.evaluate('document.fonts.ready');
      await page.screenshot({ path: path.join(SHOTS_DIR, `entity-${width}.png`), fullPage: true });
      await page.goto(`${e2e.baseUrl}/login?next=/app/e/${entity.code}/receipt`);
      await page.getByLabel('用户名').fill(treasurer.username);
      await page.getByLabel('密码').fill(FACTORY_PASSWORD);
      await page.getByRole('button', { name: '登录' }).click();
      await page.waitForURL(`**/app/e/${entity.code}/receipt`);
      await page.evaluate('document.fonts.ready');
      await page.screenshot({ path: path.join(SHOTS_DIR, `receipt-${width}.png`), fullPage: true });
      await page.getByLabel(/金额/).fill('一百五');
      await page.getByRole('button', { name: '保存这笔收入' }).click();
      await page.getByText('请填写大于零的金额').first().waitFor();
      expect(await page.getByLabel(/金额/).inputValue()).toBe('一百五');
      await page.evaluate('document.fonts.ready');
      await page.screenshot({ path: path.join(SHOTS_DIR, `receipt-error-${width}.png`), fullPage: true });
      await context.close();
    }
  });
});
