/**
 * sendJsonPieces: a JSON document that arrives in pieces goes out whole when it is short and
 * streamed when it is long; a refusal before the first piece is a problem+json answer; a
 * failure after the first byte cuts the connection instead of ending a truncated document.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { sendJsonPieces } from '../../src/http/route';
import { errorHandler } from '../../src/http/problem';
import { DomainError } from '../../src/shared/errors';
import { createLogger } from '../../src/shared/logger';

function appWith(pieces: () => AsyncGenerator<string>) {
  const app = express();
  app.get('/doc', async (_req, res) => sendJsonPieces(res, pieces()));
  app.use(errorHandler(createLogger('silent')));
  return app;
}

const bigLine = (i: number) => JSON.stringify({ n: i, text: '账'.repeat(200) });

describe('sendJsonPieces', () => {
  test('a short document goes out whole, with Content-Length and an ETag', async () => {
    const app = appWith(async function* () {
      yield '{"lines":[1,2';
      yield ',3]}';
    });
    const response = await request(app).get('/doc').expect(200);
    expect(response.body).toEqual({ lines: [1, 2, 3] });
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['content-length']).toBe(String('{"lines":[1,2,3]}'.length));
    expect(response.headers['etag']).toMatch(/^W\//);
  });

  test('a long document is streamed piece by piece and arrives whole', async () => {
    const app = appWith(async function* () {
      yield '{"lines":[';
      for (let i = 0; i < 400; i++) yield `${i ? ',' : ''}${bigLine(i)}`;
      yield ']}';
    });
    const response = await request(app).get('/doc').expect(200);
    expect(response.headers['transfer-encoding']).toBe('chunked');
    expect(response.headers['content-length']).toBeUndefined();
    expect(response.body.lines).toHaveLength(400);
    expect(response.body.lines[399]).toEqual(JSON.parse(bigLine(399)));
  });

  test('a refusal before the first piece is a problem+json answer', async () => {
    const app = appWith(async function* () {
      throw new DomainError('not_found', 'Account 9999 not found.');
    });
    const response = await request(app).get('/doc').expect(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.code).toBe('not_found');
  });

  test('a failure after the first byte cuts the connection instead of ending the document', async () => {
    const app = appWith(async function* () {
      yield '{"lines":[';
      for (let i = 0; i < 400; i++) yield `${i ? ',' : ''}${bigLine(i)}`;
      throw new Error('the running balance does not end at the closing balance');
    });
    const server = app.listen(0);
    try {
      const { port } = server.address() as AddressInfo;
      // 'ended' would mean the client got a response that looks finished; it must see a cut.
      const outcome = await new Promise<string>((resolve) => {
        http.get({ port, path: '/doc' }, (response) => {
          response.on('data', () => undefined);
          response.on('end', () => resolve(response.complete ? 'ended' : 'cut'));
          response.on('aborted', () => resolve('cut'));
          response.on('error', () => resolve('cut'));
        }).on('error', () => resolve('cut'));
      });
      expect(outcome).toBe('cut');
    } finally {
      server.close();
    }
  });
});
