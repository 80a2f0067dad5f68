import path from 'node:path';
import { fixedClock } from '../../src/shared/clock';
import { FACTORY_PASSWORD, receive, stationWithStaff } from '../factories';
import { SHOTS_DIR, useBrowserApp } from './support';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

describe('a session lost while a form is being filled in, in Chromium', () => {
  const e2e = useBrowserApp({ clock: fixedClock('2026-03-31T19:00:00+08:00') });

  it('keeps the typed payment through the login and saves it only when the treasurer presses 保存 again', async () => {
    const { entity, treasurer } = await stationWithStaff(e2e.ctx, { name: '阳光社区公益站' });
    await receive(e2e.ctx, treasurer, entity.id, '500.00', { date: '2026-03-02' });
    const entries = async () => (await e2e.ctx.request().get(`/api/entities/${entity.id}/entries`).set(treasurer.auth).expect(200)).body.items as unknown[];

    const context = await e2e.newContext({ width: 390, height: 844 });
    const page = await context.newPage();
    const login = async () => {
      await page.getByLabel('用户名').fill(treasurer.username);
      await page.getByLabel('密码').fill(FACTORY_PASSWORD);
      await page.getByRole('button', { name: '登录' }).click();
    };
    await page.goto(`${e2e.baseUrl}/app/e/${entity.code}/payment`);
    await login();
    await page.getByLabel(/金额/).fill('66');
    await page.getByLabel('收款人（付给谁）').fill('李师傅');
    await page.getByLabel('用途').fill('更换门锁');
    await page.setInputFiles('#f-file', { name: '收据.png', mimeType: 'image/png', buffer: PNG });

    // The session ends while the form is open (here: the cookies are cleared).
    await context.clearCookies();
    await page.getByRole('button', { name: '保存这笔支出' }).click();
    await page.getByText('您刚才填写的内容已保留，还没有保存').waitFor();
    await page.screenshot({ path: path.join(SHOTS_DIR, 'lost-session-login-390.png'), fullPage: true });
    // Nothing typed travels in the address (the entity's random code may itself hold the digits 66).
    const address = new URL(page.url());
    expect(address.searchParams.get('next')).toBe(`/app/e/${entity.code}/payment`);
    address.searchParams.delete('next');
    expect(`${address.pathname}${address.search}`).not.toMatch(/66|amount|李师傅|%E6%9D%8E/);
    expect(await entries()).toHaveLength(1);

    await login();
    await page.waitForURL(`**/app/e/${entity.code}/payment`);
    await page.getByText('登录已过期，您刚才填写的内容已保留，还没有保存。请核对后再点保存。').waitFor();
    await page.evaluate('document.fonts.ready');
    await page.screenshot({ path: path.join(SHOTS_DIR, 'lost-session-form-390.png'), fullPage: true });
    expect(await page.getByLabel(/金额/).inputValue()).toBe('66');
    expect(await page.getByLabel('收款人（付给谁）').inputValue()).toBe('李师傅');
    expect(await page.getByLabel('用途').inputValue()).toBe('更换门锁');
    expect(await entries()).toHaveLength(1);

    await page.setInputFiles('#f-file', { name: '收据.png', mimeType: 'image/png', buffer: PNG });
    await page.getByRole('button', { name: '保存这笔支出' }).click();
    await page.getByText(/支出 ¥66\.00 已记好，凭证号 \d{4}-\d{6}/).waitFor();
    expect(await entries()).toHaveLength(2);
    await context.close();
  });
});
