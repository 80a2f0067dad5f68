/**
 * Crash safety: the service runs as a child process on its own DATA_DIR (embedded Postgres)
 * and is SIGKILLed five times in the middle of a stream of receipts — once together with its
 * Postgres. After each restart, every entry whose 201 reached a client must be in the books
 * exactly as acknowledged, no entry may be half-written, the trial balance must balance, the
 * hash chain must verify and the voucher numbers must stay gapless.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Decimal from 'decimal.js';
import { call, ChildService, isProcessAlive, postmasterPid, startChildService, stationOnChild } from '../support/child-service';

jest.setTimeout(110_000);

const ADMIN_PASSWORD = 'crash-test-admin-pw';
const ENV = { ADMIN_PASSWORD, JWT_SECRET: 'crash-test-secret-0123456789abcdef' };
let dataDir: string;
let service: ChildService | undefined;

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-crash-'));
});

afterAll(async () => {
  await service?.stop();
  const leftover = postmasterPid(dataDir);
  if (leftover && isProcessAlive(leftover)) process.kill(leftover, 'SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

interface Acknowledged {
  id: string;
  number: string;
  amount: string;
}

async function allEntries(baseUrl: string, entityId: string, token: string) {
  const items: { id: string; number: string; status: string; lines: { debit: string | null; credit: string | null }[] }[] = [];
  let cursor: string | null = null;
  do {
    const page = await call(baseUrl, 'GET', `/api/entities/${entityId}/entries?limit=500${cursor ? `&cursor=${cursor}` : ''}`, { token });
    expect(page.status).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
}

/** Clients send receipts until the service dies under them; only acknowledged ones are recorded. */
async function loadUntilKilled(options: { baseUrl: string; entityId: string; token: string; acknowledged: Acknowledged[]; kill: () => Promise<void>; killAfterMs: number; round: number }) {
  let dead = false;
  let sent = 0;
  let failed = 0;
  const clients = Array.from({ length: 8 }, async (_, client) => {
    for (let i = 0; !dead; i += 1) {
      const amount = `${(options.round * 1000 + client * 100 + (i % 97) + 1).toString()}.${String((i * 7) % 100).padStart(2, '0')}`;
      sent += 1;
      try {
        const response = await call(options.baseUrl, 'POST', `/api/entities/${options.entityId}/receipts`, {
          token: options.token,
          body: { kind: 'recycling', date: '2026-04-02', amount, method: 'cash' },
        });
        if (response.status === 201) options.acknowledged.push({ id: response.body.id, number: response.body.number, amount });
        else expect(response.status).toBeLessThan(500);
      } catch {
        failed += 1;
        if (dead) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  });
  await new Promise((resolve) => setTimeout(resolve, options.killAfterMs));
  await options.kill();
  dead = true;
  await Promise.all(clients);
  return { sent, failed };
}

describe('SIGKILL mid-load and restart on the same DATA_DIR', () => {
  test('five crashes lose no acknowledged entry and leave the books whole', async () => {
    service = await startChildService({ dataDir, env: ENV });
    const { entityId, token } = await stationOnChild(service.baseUrl, ADMIN_PASSWORD, 'CRASH-1');

    const acknowledged: Acknowledged[] = [];
    const rounds: string[] = [];
    for (let round = 1; round <= 5; round += 1) {
      const current = service;
      const alsoPostgres = round === 3;
      const stats = await loadUntilKilled({
        baseUrl: current.baseUrl,
        entityId,
        token,
        acknowledged,
        round,
        killAfterMs: 400 + round * 150,
        kill: async () => {
          const postgres = postmasterPid(dataDir);
          if (alsoPostgres && postgres) process.kill(postgres, 'SIGKILL');
          await current.kill('SIGKILL');
        },
      });
      const orphan = postmasterPid(dataDir);
      const orphanAlive = orphan !== null && isProcessAlive(orphan);
      rounds.push(`round ${round}: sent ${stats.sent}, acknowledged so far ${acknowledged.length}, lost connections ${stats.failed}, postgres ${alsoPostgres ? 'killed too' : orphanAlive ? `orphaned (pid ${orphan})` : 'gone'}`);

      service = await startChildService({ dataDir, env: ENV });
      if (orphanAlive && !alsoPostgres) expect(isProcessAlive(orphan as number)).toBe(false);

      const entries = await allEntries(service.baseUrl, entityId, token);
      const byId = new Map(entries.map((entry) => [entry.id, entry]));
      for (const ack of acknowledged) {
        const entry = byId.get(ack.id);
        expect(entry?.number).toBe(ack.number);
        const debit = entry?.lines.reduce((sum, line) => sum.plus(line.debit ?? 0), new Decimal(0));
        expect(debit?.toFixed(2)).toBe(new Decimal(ack.amount).toFixed(2));
      }
      let total = new Decimal(0);
      for (const entry of entries) {
        expect(entry.status).toBe('posted');
        expect(entry.lines.length).toBe(2);
        const debit = entry.lines.reduce((sum, line) => sum.plus(line.debit ?? 0), new Decimal(0));
        const credit = entry.lines.reduce((sum, line) => sum.plus(line.credit ?? 0), new Decimal(0));
        expect(debit.toFixed(2)).toBe(credit.toFixed(2));
        total = total.plus(debit);
      }
      const numbers = entries.map((entry) => entry.number).sort();
      expect(numbers).toEqual(Array.from({ length: entries.length }, (_, index) => `2026-${String(index + 1).padStart(6, '0')}`));

      const balance = await call(service.baseUrl, 'GET', `/api/entities/${entityId}/trial-balance?asOf=2026-12-31`, { token });
      expect(balance.status).toBe(200);
      expect(balance.body.totals).toEqual({ debit: total.toFixed(2), credit: total.toFixed(2) });
      const verify = await call(service.baseUrl, 'GET', `/api/entities/${entityId}/verify`, { token });
      expect(verify.body).toMatchObject({ ok: true, entries: entries.length });
    }
    expect(acknowledged.length).toBeGreaterThan(0);

    await service.stop();
    const postgres = postmasterPid(dataDir);
    expect(postgres === null || !isProcessAlive(postgres)).toBe(true);
    service = undefined;
    process.stdout.write(`crash: 5 kills survived, ${acknowledged.length} acknowledged entries all present\n  ${rounds.join('\n  ')}\n`);
  });
});
