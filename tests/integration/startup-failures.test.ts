import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '../../src/db/embedded';
import { startCommand } from '../../src/start-command';

const ROOT = path.resolve(__dirname, '../..');

/** Runs the service as `npm start` does, with the given environment, until it exits. */
function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const { nodeFlags, script } = startCommand();
  const child = spawn(process.execPath, [...nodeFlags, script], { cwd: ROOT, env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', DEMO_DATA: '0', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

describe('a DATABASE_URL the service cannot use', () => {
  jest.setTimeout(60_000);

  it('says so in one line naming the server and database, never the password, and exits 1', async () => {
    const port = await freePort();
    const refused = await start({ DATABASE_URL: `postgres://ledger:s3cret-pw@127.0.0.1:${port}/books` });
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toMatch(new RegExp(`^failed to start: cannot use the database at 127\\.0\\.0\\.1:${port}/books \\(DATABASE_URL\\): .*ECONNREFUSED`));
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    expect(refused.stderr).not.toContain('s3cret-pw');
  });

  it('gives up on a server that accepts connections but never answers within about 10 s', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const started = Date.now();
      const hung = await start({ DATABASE_URL: `postgres://ledger:x@127.0.0.1:${port}/books` });
      expect(hung.code).toBe(1);
      expect(Date.now() - started).toBeLessThan(25_000);
      expect(hung.stderr.trim()).toMatch(/^failed to start: cannot use the database at 127\.0\.0\.1:\d+\/books \(DATABASE_URL\): /);
    } finally {
      silent.close();
    }
  });

  it('refuses a DATABASE_URL that is not a postgres:// URL instead of trying localhost', async () => {
    const wrong = await start({ DATABASE_URL: 'not a url' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL');
    expect(wrong.stderr).not.toMatch(/\n\s+at /);
  });
});
