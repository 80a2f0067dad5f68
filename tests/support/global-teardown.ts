import fs from 'node:fs';
import type { EmbeddedDatabase } from '../../src/db/embedded';
import { createDb } from '../../src/db/knex';
import { templateDb } from './urls';

export default async function globalTeardown(): Promise<void> {
  // On a server of DATABASE_URL the run's template stays unless dropped (on the embedded one it goes with the data).
  if (process.env.DATABASE_URL && process.env.TEST_ADMIN_URL) {
    const admin = createDb(process.env.TEST_ADMIN_URL, { max: 1 });
    await admin.raw(`drop database if exists "${templateDb()}" with (force)`).finally(() => admin.destroy());
  }
  const state = (globalThis as Record<string, unknown>).__EMBEDDED__ as { embedded: EmbeddedDatabase; dataDir: string } | undefined;
  if (!state) return;
  await state.embedded.stop();
  fs.rmSync(state.dataDir, { recursive: true, force: true });
}
