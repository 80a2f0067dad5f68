import pg from 'pg';
import supertest from 'supertest';
import { buildApp } from '../../src/app';
import { createDb } from '../../src/db/knex';
import { freePort } from '../../src/db/embedded';
import { createLogger } from '../../src/shared/logger';
import { useTestContext } from '../support/context';
import { stationWithStaff } from '../factories';

const ctx = useTestContext();

describe('a database whose server or owner set other session defaults', () => {
  it('still reads, closes and chains book dates as ISO days when the database says DateStyle SQL, DMY', async () => {
    const name = new URL(ctx.url).pathname.slice(1);
    await ctx.db.raw(`alter database "${name}" set datestyle = 'SQL, DMY'`);
    const db = createDb(ctx.url, { max: 2 });
    try {
      // What any other client of this database now gets…
      const plain = new pg.Client({ connectionString: ctx.url });
      await plain.connect();
      expect((await plain.query(`select '2026-10-05'::date::text as day`)).rows[0].day).toBe('05/10/2026');
      await plain.end();
      // …and what the service's connections get.
      expect((await db.raw(`select '2026-10-05'::date::text as day, current_setting('DateStyle') as style`)).rows[0]).toEqual({ day: '2026-10-05', style: 'ISO, YMD' });
      // The whole service on such connections: a receipt, a close, the chain.
      const app = buildApp({ config: ctx.config, db, clock: ctx.clock, logger: createLogger('silent') });
      const { entity, treasurer } = await stationWithStaff(ctx);
      const receipt = await supertest(app).post(`/api/entities/${entity.id}/receipts`).set(treasurer.auth).send({ kind: 'parking', date: '2026-10-05', amount: '12.00', method: 'cash' }).expect(201);
      expect(receipt.body.date).toBe('2026-10-05');
      await supertest(app).post(`/api/entities/${entity.id}/periods/2026-10/close`).set(treasurer.auth).expect(200);
      expect((await supertest(app).get(`/api/entities/${entity.id}/periods`).set(treasurer.auth).expect(200)).body.items).toEqual(
        expect.arrayContaining([expect.objectContaining({ period: '2026-10' })]),
      );
      expect((await supertest(app).get(`/api/entities/${entity.id}/verify`).set(treasurer.auth).expect(200)).body.ok).toBe(true);
    } finally {
      await db.destroy();
      await ctx.db.raw(`alter database "${name}" reset datestyle`);
    }
  });
});

describe("knex's own warnings", () => {
  it('go to the log the service gives (its pino logger), not to the console as plain text', async () => {
    const warned: string[] = [];
    const db = createDb(`postgres://nobody:x@127.0.0.1:${await freePort()}/none`, { max: 1, timeouts: { connectMs: 500, acquireMs: 1000, queryMs: 1000 }, log: { warn: (message) => warned.push(message), error: (message) => warned.push(message) } });
    const console = jest.spyOn(globalThis.console, 'warn');
    try {
      await expect(db.raw('select 1')).rejects.toThrow(/ECONNREFUSED/);
      expect(warned.join('\n')).toMatch(/Acquire connection error/);
      expect(console).not.toHaveBeenCalled();
    } finally {
      console.mockRestore();
      await db.destroy();
    }
  });
});
