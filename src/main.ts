/**
 * Starts the service: config → database (embedded Postgres under DATA_DIR unless
 * DATABASE_URL) → migrations → admin bootstrap and demo data → listen. SIGTERM and SIGINT
 * close the HTTP server, the pool and the embedded Postgres, in that order.
 */
import http from 'node:http';
import { loadConfig } from './config';
import { createDb, migrate } from './db/knex';
import { startEmbeddedPostgres, EmbeddedDatabase } from './db/embedded';
import { buildApp } from './app';
import { systemClock } from './shared/clock';
import { createLogger } from './shared/logger';
import { bootstrapAdmin } from './auth/service';
import { seedDemo } from '../seeds/demo';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  for (const warning of config.warnings) logger.warn(warning);
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (!url) {
    logger.info({ dataDir: config.dataDir }, 'starting embedded PostgreSQL');
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, log: (message) => logger.debug({ postgres: message.trim() }) });
    url = embedded.url;
  }
  const db = createDb(url, { max: 20 });
  await migrate(db);
  if (config.adminPassword && (await bootstrapAdmin(db, config.adminPassword))) {
    logger.info('created user admin from ADMIN_PASSWORD');
  }
  const demo = config.demoData ? await seedDemo(db, systemClock) : null;

  const app = buildApp({ config, db, clock: systemClock, logger });
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(config.port, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const lines = [`社区公益基金账本 is running at http://localhost:${port}/`, `  API contract: http://localhost:${port}/api/openapi.json`];
  if (demo) {
    lines.push(demo.created ? '  Demo data seeded. Demo logins (password for all):' : '  Demo logins (password for all):');
    for (const user of demo.users) lines.push(`    ${user.username.padEnd(14)} ${user.role.padEnd(14)} ${user.label}`);
    lines.push(`    password: ${demo.password}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.closeIdleConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await db.destroy();
    if (embedded) await embedded.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error) => {
  process.stderr.write(`failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
