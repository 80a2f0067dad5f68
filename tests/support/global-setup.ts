/**
 * Starts one embedded Postgres for the whole test run (unless DATABASE_URL names one) and
 * migrates a template database; each test file then clones its own database from it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, migrate } from '../../src/db/knex';
import { ensureDatabase, startEmbeddedPostgres } from '../../src/db/embedded';
import { adminUrlFrom, templateDb } from './urls';

export default async function globalSetup(): Promise<void> {
  let adminUrl: string;
  if (process.env.DATABASE_URL) {
    adminUrl = adminUrlFrom(process.env.DATABASE_URL);
  } else {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-test-pg-'));
    const embedded = await startEmbeddedPostgres({ dataDir, fast: true, database: 'postgres' });
    (globalThis as Record<string, unknown>).__EMBEDDED__ = { embedded, dataDir };
    adminUrl = embedded.urlFor('postgres');
  }
  process.env.TEST_ADMIN_URL = adminUrl;
  process.env.TEST_TEMPLATE_DB = `t_template_${process.pid}_${Date.now().toString(36)}`;
  const templateName = templateDb();
  const client = createDb(adminUrl);
  await client.raw(`drop database if exists "${templateName}" with (force)`);
  await client.destroy();
  await ensureDatabase(adminUrl, templateName);
  const template = createDb(adminUrl.replace(/\/[^/?]*(\?|$)/, `/${templateName}$1`));
  await migrate(template);
  await template.destroy();
}
