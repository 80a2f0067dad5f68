/**
 * The served OpenAPI document describes what every route answers, not only what it takes:
 * each success answer has its media type and schema, each failure the problem details
 * component. Under test every JSON answer is held to its schema (http/route.ts), so the
 * other suites keep these schemas true; here, that the document carries them and that a
 * route answering outside its schema fails loudly.
 */
import express from 'express';
import supertest from 'supertest';
import { z } from 'zod';
import { useTestContext } from '../support/context';
import { createRegistry } from '../../src/http/openapi';
import { defineRoute } from '../../src/http/route';
import { errorHandler } from '../../src/http/problem';
import { createLogger } from '../../src/shared/logger';

const ctx = useTestContext();

type Schema = { $ref?: string; type?: string | string[]; pattern?: string; properties?: Record<string, Schema>; items?: Schema; required?: string[] };
type Operation = { responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }> };
type Document = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };

async function documentOf(): Promise<Document> {
  const res = await ctx.request().get('/api/openapi.json');
  expect(res.status).toBe(200);
  return res.body as Document;
}

describe('GET /api/openapi.json responses', () => {
  test('every success answer but 204 has a media type and a schema; every operation answers problems as ProblemDetails', async () => {
    const document = await documentOf();
    const missing: string[] = [];
    const problems: string[] = [];
    let operations = 0;
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        operations += 1;
        for (const [status, response] of Object.entries(operation.responses)) {
          if (!/^2\d\d$/.test(status) || status === '204') continue;
          const schemas = Object.values(response.content ?? {}).map((media) => media.schema);
          if (schemas.length === 0 || schemas.some((schema) => !schema || Object.keys(schema).length === 0)) missing.push(`${method.toUpperCase()} ${path} ${status}`);
        }
        const problem = operation.responses.default?.content?.['application/problem+json']?.schema;
        if (problem?.$ref !== '#/components/schemas/ProblemDetails') problems.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(missing).toEqual([]);
    expect(problems).toEqual([]);
    expect(operations).toBeGreaterThan(60);
  });

  test('the problem details component lists the RFC 9457 members, field errors and the extension members', async () => {
    const { ProblemDetails } = (await documentOf()).components.schemas;
    expect(ProblemDetails.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'code', 'errors']));
    expect(ProblemDetails.properties?.errors.items?.required).toEqual(['path', 'message']);
    expect(Object.keys(ProblemDetails.properties ?? {})).toEqual(expect.arrayContaining(['closedThrough', 'accountCode', 'available', 'remaining', 'requestId']));
  });

  test('a nullable answer is one a JSON Schema validator lets be null (not allOf with the referenced object)', async () => {
    const document = await documentOf();
    const text = JSON.stringify(document);
    expect(text).not.toMatch(/"allOf":\[\{"\$ref":"[^"]+"\},\{"type":\["object","null"\]\}\]/);
    const schemas = document.components.schemas as Record<string, { properties?: Record<string, unknown> }>;
    expect(schemas.Disbursement.properties?.stationEntry).toEqual({ anyOf: [{ $ref: '#/components/schemas/Entry' }, { type: 'null' }] });
    expect(schemas.Project.properties?.startsOn).toMatchObject({ type: ['string', 'null'], format: 'date' });
  });

  test('an entry answers its number, hash and lines, with money as two-decimal strings', async () => {
    const document = await documentOf();
    const posted = document.paths['/api/entities/{entityId}/entries'].post.responses['201'].content?.['application/json'].schema;
    expect(posted?.$ref).toBe('#/components/schemas/Entry');
    const entry = document.components.schemas.Entry;
    expect(entry.required).toEqual(expect.arrayContaining(['id', 'number', 'date', 'memo', 'status', 'lines', 'createdBy', 'createdAt', 'hash']));
    const line = entry.properties?.lines.items;
    for (const side of ['debit', 'credit']) {
      expect(line?.properties?.[side]).toMatchObject({ type: ['string', 'null'], pattern: '^-?\\d+\\.\\d{2}$' });
    }
    for (const shortcut of ['receipts', 'payments']) {
      expect(document.paths[`/api/entities/{entityId}/${shortcut}`].post.responses['201'].content?.['application/json'].schema.$ref).toBe('#/components/schemas/Entry');
    }
    const list = document.paths['/api/entities/{entityId}/entries'].get.responses['200'].content?.['application/json'].schema;
    expect(list?.properties?.items.items?.$ref).toBe('#/components/schemas/Entry');
    expect(list?.properties?.nextCursor.type).toEqual(['string', 'null']);
  });

  test('answers that are not JSON name their media type', async () => {
    const { paths } = await documentOf();
    expect(Object.keys(paths['/api/public/disclosures/{id}/pdf'].get.responses['200'].content ?? {})).toEqual(['application/pdf']);
    expect(Object.keys(paths['/api/entities/{entityId}/export/journal'].get.responses['200'].content ?? {})).toEqual(['text/plain']);
    expect(Object.keys(paths['/api/entities/{entityId}/entries/{id}/attachments/{attachmentId}'].get.responses['200'].content ?? {})).toEqual(['image/jpeg', 'image/png', 'application/pdf']);
  });
});

describe('answers held to their schema under test', () => {
  function appAnswering(body: unknown, response?: z.ZodType) {
    const app = express();
    const router = express.Router();
    defineRoute({ router, registry: createRegistry() }, { method: 'get', path: '/probe', summary: 'probe', tags: [], auth: false, response }, async () => body);
    app.use(router);
    app.use(errorHandler(createLogger('silent')));
    return supertest(app);
  }

  test('an answer the schema accepts goes out as it is', async () => {
    const res = await appAnswering({ amount: '1.50', lines: [{ memo: null }] }, z.object({ amount: z.string(), lines: z.array(z.object({ memo: z.string().nullable() })) })).get('/probe');
    expect([res.status, res.body]).toEqual([200, { amount: '1.50', lines: [{ memo: null }] }]);
  });

  test('a wrong value, an undeclared member or a missing schema is a 500 naming the route and the place', async () => {
    const schema = z.object({ amount: z.string(), lines: z.array(z.object({ memo: z.string().nullable() })) });
    const wrong = await appAnswering({ amount: 1.5, lines: [] }, schema).get('/probe');
    expect([wrong.status, wrong.body.code]).toEqual([500, 'response_contract_broken']);
    expect(wrong.body.detail).toMatch(/^GET \/probe answered outside its OpenAPI response schema: amount: /);
    const extra = await appAnswering({ amount: '1.50', lines: [{ memo: null, note: 'x' }] }, schema).get('/probe');
    expect([extra.status, extra.body.detail]).toEqual([500, expect.stringContaining('lines.0.note: not declared')]);
    const undeclared = await appAnswering({ amount: '1.50' }).get('/probe');
    expect([undeclared.status, undeclared.body.detail]).toEqual([500, expect.stringContaining('declares no response schema')]);
  });
});
