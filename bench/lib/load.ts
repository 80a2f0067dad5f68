/**
 * HTTP load from a C client: Debian's wrk with bench/load.lua. Where wrk is missing it falls
 * back to autocannon (if installed) and marks the figures as client-bound, because on a
 * 2-core machine a Node client caps far below what the service can answer.
 */
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  non2xx: number;
  socketErrors: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  client: 'wrk' | 'autocannon (client-bound)';
}

export interface LoadTarget {
  path: string;
  token: string;
}

export function hasWrk(): boolean {
  return spawnSync('wrk', ['--version']).error === undefined;
}

export async function runLoad(options: {
  baseUrl: string;
  targets: LoadTarget[];
  mode: 'receipt' | 'tb' | 'statement' | 'get';
  connections: number;
  seconds: number;
  env?: Record<string, string>;
}): Promise<LoadResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-wrk-'));
  const targetsFile = path.join(dir, 'targets.lua');
  fs.writeFileSync(targetsFile, `return {\n${options.targets.map((t) => `  { path = ${JSON.stringify(t.path)}, token = ${JSON.stringify(t.token)} },`).join('\n')}\n}\n`);
  if (!hasWrk()) return runAutocannon(options);
  const threads = Math.min(2, options.connections);
  const args = ['-t', String(threads), '-c', String(options.connections), '-d', `${options.seconds}s`, '--timeout', '10s', '-s', path.join(__dirname, '..', 'load.lua'), options.baseUrl];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', args, { env: { ...process.env, BENCH_TARGETS: targetsFile, BENCH_MODE: options.mode, ...options.env } });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.on('error', reject);
    child.on('exit', () => resolve(text));
  });
  fs.rmSync(dir, { recursive: true, force: true });
  const line = output.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  if (!line) throw new Error(`wrk printed no result:\n${output}`);
  const r = JSON.parse(line.slice('BENCH_JSON '.length));
  const seconds = r.durationUs / 1e6;
  return {
    requests: r.requests,
    seconds,
    perSecond: (r.requests - r.non2xx) / seconds,
    non2xx: r.non2xx,
    socketErrors: r.connect + r.read + r.write + r.timeout,
    p50Ms: r.p50 / 1000,
    p90Ms: r.p90 / 1000,
    p99Ms: r.p99 / 1000,
    maxMs: r.max / 1000,
    client: 'wrk',
  };
}

async function runAutocannon(options: Parameters<typeof runLoad>[0]): Promise<LoadResult> {
  let autocannon: (opts: unknown) => Promise<Record<string, any>>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    autocannon = require('autocannon');
  } catch {
    throw new Error('neither wrk (apt-get install wrk) nor autocannon (npm) is available to drive HTTP load');
  }
  let i = 0;
  const result = await autocannon({
    url: options.baseUrl,
    connections: options.connections,
    duration: options.seconds,
    requests: [
      {
        setupRequest: (request: Record<string, unknown>) => {
          const target = options.targets[(i += 1) % options.targets.length];
          const headers = { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' };
          if (options.mode === 'receipt') {
            return { ...request, method: 'POST', path: `${target.path}/receipts`, headers, body: JSON.stringify({ kind: 'donation', date: '2026-05-15', amount: '10.00', method: 'cash' }) };
          }
          const suffix = options.mode === 'tb' ? '/trial-balance?asOf=2026-05-15' : options.mode === 'statement' ? '/accounts/1001/statement?from=2026-05-01&to=2026-05-31' : '';
          return { ...request, method: 'GET', path: `${target.path}${suffix}`, headers };
        },
      },
    ],
  });
  const non2xx = result.non2xx ?? 0;
  return {
    requests: result.requests.total,
    seconds: options.seconds,
    perSecond: (result.requests.total - non2xx) / options.seconds,
    non2xx,
    socketErrors: result.errors ?? 0,
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    client: 'autocannon (client-bound)',
  };
}
