import fs from 'node:fs';
import type { EmbeddedDatabase } from '../../src/db/embedded';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as Record<string, unknown>).__EMBEDDED__ as { embedded: EmbeddedDatabase; dataDir: string } | undefined;
  if (!state) return;
  await state.embedded.stop();
  fs.rmSync(state.dataDir, { recursive: true, force: true });
}
