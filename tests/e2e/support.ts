/**
 * End-to-end harness: the app built in-process over a fresh test database and served on an
 * ephemeral port of 127.0.0.1, and Debian's Chromium driven by playwright-core with a fresh
 * profile. Use inside a describe: `const e2e = useBrowserApp({ clock })`.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import supertest from 'supertest';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { buildApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { Clock, systemClock } from '../../src/shared/clock';
import { createLogger } from '../../src/shared/logger';
import { createTestDatabase } from '../support/context';
import type { TestContext } from '../support/context';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS_DIR = process.env.SHOTS_DIR ?? '/tmp/shots';

export interface BrowserApp {
  ctx: TestContext;
  baseUrl: string;
  browser: Browser;
  newContext(options?: { width?: number; height?: number }): Promise<BrowserContext>;
}

export function useBrowserApp(options: { clock?: Clock } = {}): BrowserApp {
  const harness = { ctx: {} as TestContext } as BrowserApp;
  let server: Server;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    const clock = options.clock ?? systemClock;
    const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'e2e-secret-0123456789abcdef', DATABASE_URL: database.url, LOGIN_RATE_LIMIT: '1000' });
    const app = buildApp({ config, db: database.db, clock, logger: createLogger('silent') });
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    harness.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    Object.assign(harness.ctx, { db: database.db, app, config, clock, url: database.url, request: () => supertest.agent(app) });
    fs.mkdirSync(SHOTS_DIR, { recursive: true });
    harness.browser = await chromium.launch({
      executablePath: CHROMIUM,
      // playwright gives every launch a fresh temporary profile (it refuses --user-data-dir here).
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--lang=zh-CN'],
    });
    harness.newContext = (size = {}) =>
      harness.browser.newContext({ viewport: { width: size.width ?? 1280, height: size.height ?? 900 }, acceptDownloads: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  }, 60000);
  afterAll(async () => {
    await harness.browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await drop?.();
  });
  return harness;
}
