/**
 * `npm run seed`: migrate and seed the demo data into DATABASE_URL (or the embedded database).
 */
import { loadConfig } from '../src/config';
import { createDb, migrate } from '../src/db/knex';
import { startEmbeddedPostgres } from '../src/db/embedded';
import { systemClock } from '../src/shared/clock';
import { seedDemo } from './demo';

async function run() {
  const config = loadConfig();
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres({ dataDir: config.dataDir });
  const db = createDb(config.databaseUrl ?? (embedded as { url: string }).url);
  try {
    await migrate(db);
    const summary = await seedDemo(db, systemClock);
    process.stdout.write(`${summary.created ? 'seeded' : 'already seeded'}: station ${summary.stationId}, foundation ${summary.foundationId}\n`);
  } finally {
    await db.destroy();
    await embedded?.stop();
  }
}

run().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
