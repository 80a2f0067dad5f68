/**
 * Running the service for reliability tests, two ways: in-process on an ephemeral loopback
 * port (so thousands of requests go through real sockets with keep-alive, cheaply), or as a
 * child process started like `npm start` (its command read from package.json) so a test can
 * SIGKILL it mid-load and start it again on the same DATA_DIR.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Express } from 'express';
import { freePort } from '../../src/db/embedded';
import { startCommand } from '../../src/start-command';

export interface Listening {
  baseUrl: string;
  close(): Promise<void>;
}

/** Serve an app on 127.0.0.1 with an ephemeral port. */
export async function listenInProcess(app: Express): Promise<Listening> {
  const server = http.createServer(app);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface JsonResponse {
  status: number;
  contentType: string;
  body: any;
  text: string;
}

/** One request with fetch (undici keeps connections alive per origin). */
export async function call(baseUrl: string, method: string, url: string, options: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let payload: string | undefined;
  if (options.raw !== undefined) {
    payload = options.raw;
    headers['Content-Type'] ??= 'application/json';
  } else if (options.body !== undefined) {
    payload = JSON.stringify(options.body);
    headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(`${baseUrl}${url}`, { method, headers, body: payload });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body, text };
}

export interface ChildService {
  baseUrl: string;
  process: ChildProcess;
  output: () => string;
  /** SIGKILL the node process and wait until it is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM and wait (a clean stop). */
  stop(): Promise<void>;
}

const ROOT = path.resolve(__dirname, '../..');

/** Start `src/main.ts` on DATA_DIR and wait until /healthz answers. */
export async function startChildService(options: { dataDir: string; env?: Record<string, string>; timeoutMs?: number }): Promise<ChildService> {
  const port = await freePort();
  const { nodeFlags, script } = startCommand();
  const child = spawn(process.execPath, [...nodeFlags, script], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'development',
      PORT: String(port),
      DATA_DIR: options.dataDir,
      DEMO_DATA: '0',
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the service exited before it was ready (${child.exitCode ?? child.signalCode}):\n${output}`);
    }
    try {
      const response = await fetch(`${baseUrl}/healthz`);
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the service did not become ready in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    baseUrl,
    process: child,
    output: () => output,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The pid in DATA_DIR/pg/postmaster.pid, if the file exists. */
export function postmasterPid(dataDir: string): number | null {
  try {
    const pid = parseInt(fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0] ?? '', 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Alive and not a zombie (an exited child its new parent has not reaped yet). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** A station with a treasurer on a child service started with ADMIN_PASSWORD: its id and the treasurer's token. */
export async function stationOnChild(baseUrl: string, adminPassword: string, code: string): Promise<{ entityId: string; token: string }> {
  const login = await call(baseUrl, 'POST', '/api/auth/login', { body: { username: 'admin', password: adminPassword } });
  if (login.status !== 200) throw new Error(`admin login: ${login.status} ${login.text}`);
  const entity = await call(baseUrl, 'POST', '/api/entities', { token: login.body.token, body: { code, name: `${code} 公益站`, kind: 'station' } });
  if (entity.status !== 201) throw new Error(`create entity: ${entity.status} ${entity.text}`);
  const username = `${code.toLowerCase()}-treasurer`;
  const user = await call(baseUrl, 'POST', '/api/users', {
    token: login.body.token,
    body: { username, password: 'treasurer-pw-1', displayName: '出纳', roles: [{ role: 'treasurer', entityId: entity.body.id }] },
  });
  if (user.status !== 201) throw new Error(`create user: ${user.status} ${user.text}`);
  const token = (await call(baseUrl, 'POST', '/api/auth/login', { body: { username, password: 'treasurer-pw-1' } })).body.token as string;
  return { entityId: entity.body.id as string, token };
}
