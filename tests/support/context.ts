/**
 * Per-test-file context: its own database cloned from the migrated template, the app built
 * on it with a silent logger, and helpers to read the ledger back. Use inside a describe:
 *   const ctx = useTestContext();
 */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import supertest from 'supertest';
import type { Express } from 'express';
import { buildApp } from '../../src/app';
import { loadConfig, Config } from '../../src/config';
import { createDb } from '../../src/db/knex';
import { ensureDatabase } from '../../src/db/embedded';
import { Clock, systemClock } from '../../src/shared/clock';
import { createLogger } from '../../src/shared/logger';
import { templateDb, withDatabase } from './urls';

export interface TestContext {
  db: Knex;
  app: Express;
  config: Config;
  clock: Clock;
  url: string;
  request: () => supertest.Agent;
}

export async function createTestDatabase(): Promise<{ db: Knex; url: string; drop: () => Promise<void> }> {
  const adminUrl = process.env.TEST_ADMIN_URL;
  if (!adminUrl) throw new Error('TEST_ADMIN_URL is not set: run tests through jest (global setup)');
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  await ensureDatabase(adminUrl, name, templateDb());
  const url = withDatabase(adminUrl, name);
  const db = createDb(url, { max: 40 });
  return {
    db,
    url,
    drop: async () => {
      await db.destroy();
      const admin = createDb(adminUrl, { max: 1 });
      await admin.raw(`drop database if exists "${name}" with (force)`);
      await admin.destroy();
    },
  };
}

export function useTestContext(options: { clock?: Clock; env?: Record<string, string> } = {}): TestContext {
  const ctx = {} as TestContext;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    ctx.db = database.db;
    ctx.url = database.url;
    ctx.clock = options.clock ?? systemClock;
    ctx.config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'test-secret-0123456789abcdef', DATABASE_URL: database.url, LOGIN_RATE_LIMIT: '1000', ...options.env });
    ctx.app = buildApp({ config: ctx.config, db: ctx.db, clock: ctx.clock, logger: createLogger('silent') });
    ctx.request = () => supertest.agent(ctx.app);
  });
  afterAll(async () => {
    await drop?.();
  });
  return ctx;
}
