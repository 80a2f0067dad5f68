/**
 * Starts the service as a child process the way `npm start` does (its command read from
 * package.json: node with the heap cap and tsx/cjs, no tsx wrapper process, so the pid we watch
 * is the service itself), waits for /healthz, samples its peak RSS (VmHWM) and stops it with
 * SIGTERM. Bench-only; never imported by the service.
 */
import { spawn, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../src/db/embedded';
import { startCommand } from '../../src/start-command';

export const ROOT = path.resolve(__dirname, '../..');

export interface Service {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Milliseconds from spawn to the first /healthz 200. */
  startMs: number;
  stop(): Promise<void>;
  output(): string;
}

export interface ServiceOptions {
  dataDir: string;
  databaseUrl?: string;
  demoData: boolean;
  adminPassword: string;
  jwtSecret: string;
  cpuProfDir?: string;
}

export async function startService(options: ServiceOptions): Promise<Service> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(port),
    DATA_DIR: options.dataDir,
    DEMO_DATA: options.demoData ? '1' : '0',
    ADMIN_PASSWORD: options.adminPassword,
    JWT_SECRET: options.jwtSecret,
    LOGIN_RATE_LIMIT: '100000',
    LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  const { nodeFlags, script } = startCommand();
  const args = [...nodeFlags];
  if (options.cpuProfDir) args.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
  args.push(script);
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20_000)));
  child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20_000)));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.on('exit', () => ((exited = true), resolve())));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (exited) throw new Error(`the service exited during start-up:\n${log}`);
    if (performance.now() - started > 120_000) throw new Error(`the service did not answer /healthz within 120 s:\n${log}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const startMs = performance.now() - started;
  return {
    url,
    pid: child.pid as number,
    child,
    startMs,
    output: () => log,
    stop: async () => {
      if (exited) return;
      child.kill('SIGTERM');
      const timeout = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exit;
      clearTimeout(timeout);
    },
  };
}

/** Peak resident set size of a process in MB (VmHWM), or null when it is gone. */
export function peakRssMb(pid: number): number | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+)\s+kB/.exec(status);
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Resets the peak-RSS counter of a process (Linux: writing 5 to clear_refs), so a phase is measured alone. */
export function resetPeakRss(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** CPU time (user + system) a process has used so far, in milliseconds. */
export function cpuMs(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of stat; after "pid (comm) " they are at 11 and 12.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}
