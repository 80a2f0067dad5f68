/**
 * The service's own life around its embedded Postgres, on a child process with its own
 * DATA_DIR: Postgres killed under it (it is started again; meanwhile answers are 503s, never
 * 500s), SIGTERM under load (requests under way finish before Postgres stops), and a stale
 * postmaster.pid naming a process that is not this cluster's postmaster (left alone).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { call, ChildService, isProcessAlive, JsonResponse, postmasterPid, startChildService, stationOnChild } from '../support/child-service';

jest.setTimeout(170_000);

const ADMIN_PASSWORD = 'lifecycle-admin-pw';
const ENV = { ADMIN_PASSWORD, JWT_SECRET: 'lifecycle-secret-0123456789abcdef' };
let dataDir: string;
let service: ChildService | undefined;
const strangers: ChildProcess[] = [];

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-lifecycle-'));
});

afterAll(async () => {
  await service?.stop();
  for (const stranger of strangers) stranger.kill('SIGKILL');
  const leftover = postmasterPid(dataDir);
  if (leftover && isProcessAlive(leftover)) process.kill(leftover, 'SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function childrenOf(pid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Receipts from 8 clients until `stop()` resolves; every answer's status, and the ids acknowledged. */
async function postWhile(baseUrl: string, station: { entityId: string; token: string }, during: () => Promise<void>) {
  const statuses: number[] = [];
  const acknowledged: string[] = [];
  let done = false;
  const clients = Array.from({ length: 8 }, async () => {
    while (!done) {
      try {
        const response = await call(baseUrl, 'POST', `/api/entities/${station.entityId}/receipts`, {
          token: station.token,
          body: { kind: 'parking', date: '2026-04-02', amount: '10.00', method: 'cash' },
        });
        statuses.push(response.status);
        if (response.status === 201) acknowledged.push(response.body.id);
      } catch {
        // No answer: the connection was refused or cut, which the client sees as such.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  });
  await during();
  done = true;
  await Promise.all(clients);
  return { statuses, acknowledged };
}

async function expectBooksWhole(baseUrl: string, station: { entityId: string; token: string }, acknowledged: string[]) {
  const ids = new Set<string>();
  let cursor: string | null = null;
  do {
    const page = await readAgainOn503(() => call(baseUrl, 'GET', `/api/entities/${station.entityId}/entries?limit=500${cursor ? `&cursor=${cursor}` : ''}`, { token: station.token }));
    for (const entry of page.body.items) ids.add(entry.id);
    cursor = page.body.nextCursor;
  } while (cursor);
  expect(acknowledged.filter((id) => !ids.has(id))).toEqual([]);
  const verify = await readAgainOn503(() => call(baseUrl, 'GET', `/api/entities/${station.entityId}/verify`, { token: station.token }));
  expect(verify.body).toMatchObject({ ok: true, entries: ids.size });
}

/**
 * Just after Postgres came back, a pooled connection to the old one may still be found broken
 * by the next query: that answer is a 503 with Retry-After, as the contract allows, and the
 * next one is served.
 */
async function readAgainOn503(read: () => Promise<JsonResponse>): Promise<JsonResponse> {
  for (let attempt = 0; ; attempt += 1) {
    const response = await read();
    if (response.status !== 503 || attempt === 10) {
      expect(response.status).toBe(200);
      return response;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the service and its embedded Postgres', () => {
  test('a killed Postgres is started again; meanwhile requests are 503s with nothing half-written', async () => {
    service = await startChildService({ dataDir, env: ENV });
    const station = await stationOnChild(service.baseUrl, ADMIN_PASSWORD, 'LIFE-1');
    const current = service;
    const { statuses, acknowledged } = await postWhile(current.baseUrl, station, async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      process.kill(postmasterPid(dataDir) as number, 'SIGKILL');
      for (const deadline = Date.now() + 30_000; ; ) {
        const health = await call(current.baseUrl, 'GET', '/healthz');
        if (health.status === 200) break;
        expect(health.status).toBe(503);
        if (Date.now() > deadline) throw new Error(`Postgres did not come back:\n${current.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    expect(current.process.exitCode).toBeNull();
    expect(statuses.filter((status) => status !== 201 && status !== 503)).toEqual([]);
    expect(acknowledged.length).toBeGreaterThan(0);
    await expectBooksWhole(current.baseUrl, station, acknowledged);
  });

  test('a Postgres that hangs (stopped, not dead) makes /healthz and requests 503s in bounded time, and they recover', async () => {
    const current = service as ChildService;
    const postmaster = postmasterPid(dataDir) as number;
    const cluster = [postmaster, ...childrenOf(postmaster)];
    const timed = async (path: string) => {
      const started = Date.now();
      const response = await call(current.baseUrl, 'GET', path);
      return { status: response.status, seconds: (Date.now() - started) / 1000 };
    };
    for (const pid of cluster) process.kill(pid, 'SIGSTOP');
    try {
      const health = await timed('/healthz');
      expect(health.status).toBe(503);
      expect(health.seconds).toBeLessThan(5);
      const read = await timed('/api/public/entities');
      expect(read.status).toBe(503);
      expect(read.seconds).toBeLessThan(45);
    } finally {
      for (const pid of cluster) process.kill(pid, 'SIGCONT');
    }
    for (const deadline = Date.now() + 60_000; (await call(current.baseUrl, 'GET', '/api/public/entities')).status !== 200; ) {
      if (Date.now() > deadline) throw new Error('the service did not recover after Postgres resumed');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });

  test('SIGTERM under load lets requests under way finish before Postgres stops', async () => {
    const current = service as ChildService;
    const station = await stationOnChild(current.baseUrl, ADMIN_PASSWORD, 'LIFE-2');
    const { statuses, acknowledged } = await postWhile(current.baseUrl, station, async () => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await current.stop();
    });
    expect(current.process.exitCode).toBe(0);
    expect(statuses.filter((status) => status !== 201)).toEqual([]);
    expect(postmasterPid(dataDir)).toBeNull();
    service = await startChildService({ dataDir, env: ENV });
    await expectBooksWhole(service.baseUrl, station, acknowledged);
  });

  test('a stale postmaster.pid naming another program, or another cluster’s postgres, leaves that process alone', async () => {
    await (service as ChildService).stop();
    // Pids are reused after a reboot: a psql session, and a "postgres" working elsewhere.
    const psql = spawn('bash', ['-c', 'sleep 60; true', 'postgres://someone-else'], { argv0: '/usr/bin/psql', stdio: 'ignore' });
    const elsewhere = spawn('sleep', ['60'], { argv0: 'postgres', cwd: os.tmpdir(), stdio: 'ignore' });
    strangers.push(psql, elsewhere);
    for (const stranger of [psql, elsewhere]) {
      fs.writeFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), `${stranger.pid}\n${path.join(dataDir, 'pg')}\n`);
      service = await startChildService({ dataDir, env: ENV });
      expect(isProcessAlive(stranger.pid as number)).toBe(true);
      expect((await call(service.baseUrl, 'GET', '/healthz')).status).toBe(200);
      await service.stop();
    }
    service = undefined;
  });
});
