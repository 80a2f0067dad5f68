/**
 * Starts the service: config → database (embedded Postgres under DATA_DIR unless
 * DATABASE_URL) → migrations → admin bootstrap and demo data → listen. SIGTERM, SIGINT and
 * SIGHUP close the HTTP server (letting requests under way finish), the pool and the embedded
 * Postgres, in that order; an embedded Postgres that dies is started again.
 */
import http from 'node:http';
import { ConfigError, loadConfig } from './config';
import { checkReachable, createDb, DatabaseUnreachable, migrate } from './db/knex';
import { startEmbeddedPostgres, EmbeddedDatabase } from './db/embedded';
import { buildApp } from './app';
import { systemClock } from './shared/clock';
import { createLogger } from './shared/logger';
import { bootstrapAdmin } from './auth/service';
import { seedDemo } from '../seeds/demo';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  for (const warning of config.warnings) logger.warn(warning);
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (!url) {
    logger.info({ dataDir: config.dataDir }, 'starting embedded PostgreSQL');
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, ownSignals: true, log: (message) => logger.debug({ postgres: message.trim() }) });
    embedded.onUnexpectedExit(({ restarted, error }) => {
      // Requests meanwhile got 503s and left nothing behind; if Postgres cannot come back the
      // service exits, so that a supervisor (or the treasurer running npm start) sees it stopped.
      if (restarted) return logger.warn('embedded PostgreSQL had stopped; it was started again');
      logger.fatal({ err: error }, 'embedded PostgreSQL stopped and could not be started again');
      process.exit(1);
    });
    url = embedded.url;
  }
  if (config.databaseUrl) await checkReachable(config.databaseUrl);
  // Migrations may run long statements on big books: they get a handle without the limits.
  const migrator = createDb(url, { max: 1 });
  await migrate(migrator);
  await migrator.destroy();
  const knexLog = logger.child({ component: 'knex' });
  const db = createDb(url, {
    max: 20,
    timeouts: { connectMs: 5_000, acquireMs: 10_000, queryMs: 30_000 },
    log: { warn: (message) => knexLog.warn(message), error: (message) => knexLog.error(message) },
  });
  if (config.adminPassword && (await bootstrapAdmin(db, config.adminPassword))) {
    logger.info('created user admin from ADMIN_PASSWORD');
  }
  const demo = config.demoData ? await seedDemo(db, systemClock) : null;

  const app = buildApp({ config, db, clock: systemClock, logger });
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  // A client that sends its headers or body slower than this is cut off, so slow or abandoned
  // connections cannot pile up (node's defaults wait 60 s for headers and 300 s for a request).
  server.headersTimeout = 20_000;
  server.requestTimeout = 120_000;
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
    // Requests under way finish (their transactions commit or roll back) before the pool and
    // Postgres stop; a request still running after the grace period is cut off.
    const grace = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    clearTimeout(grace);
    await db.destroy();
    if (embedded) await embedded.stop();
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));
}

main().catch((error) => {
  const said = error instanceof DatabaseUnreachable || error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`failed to start: ${said}\n`);
  process.exit(1);
});
