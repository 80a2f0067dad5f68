/**
 * HTTP routes of public disclosure: publish and countersign for staff, and the public reads
 * (list, report JSON, frozen PDF bytes, verification, calendar) that need no login. Parse,
 * call the service, answer; no knex, no arithmetic.
 */
import type { Knex } from 'knex';
import type { Response } from 'express';
import { defineRoute, RouteTarget } from '../http/route';
import type { Clock } from '../shared/clock';
import { Binary, EntityParams, Pagination } from '../shared/schemas';
import { pageOf } from '../shared/paging';
import * as service from './service';
import { CountersignCommand, DisclosureParams, PublicListQuery, PublishCommand } from './schemas';
import { CalendarView, DisclosureCheckView, DisclosureList, DisclosureView, PublicReportView } from './responses';

/** A snapshot's bytes never change, so caches may keep them for a year without asking again. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const PDF = { 'application/pdf': Binary };

export function disclosureRoutes(target: RouteTarget, deps: { db: Knex; clock: Clock; publicUrl: string }): void {
  const { db } = deps;
  const tags = ['disclosure'];
  const publicTags = ['public'];

  defineRoute(
    target,
    { method: 'post', path: '/api/entities/:entityId/disclosures', summary: 'Publish a closed period as a frozen report (new version if published before)', tags, auth: true, params: EntityParams, body: PublishCommand, status: 201, response: DisclosureView },
    ({ actor, params, body }) => service.publish(deps, actor, params.entityId, body),
  );
  defineRoute(
    target,
    { method: 'post', path: '/api/disclosures/:id/countersign', summary: 'Countersign a published report (监委会审核)', tags, auth: true, params: DisclosureParams, body: CountersignCommand, response: DisclosureView },
    ({ actor, params, body }) => service.countersign(deps, actor, params.id, body),
  );

  defineRoute(
    target,
    { method: 'get', path: '/api/public/entities/:entityId/calendar', summary: 'Disclosure calendar: what is due, done or overdue', tags: publicTags, auth: false, params: EntityParams, query: Pagination, response: CalendarView },
    async ({ params, query }) => pageOf(await service.calendar(deps, params.entityId), query, (item) => `${item.kind}|${item.period}|${item.project?.id ?? ''}`),
  );
  defineRoute(
    target,
    { method: 'get', path: '/api/public/disclosures', summary: 'Published reports, every version, newest first; of one entity with entityId', tags: publicTags, auth: false, query: PublicListQuery, response: DisclosureList },
    ({ query }) => service.listPublished(db, query),
  );
  defineRoute(
    target,
    { method: 'get', path: '/api/public/disclosures/:id', summary: 'A published report as JSON (frozen figures, countersignature merged in)', tags: publicTags, auth: false, params: DisclosureParams, response: PublicReportView },
    async ({ res, params }) => {
      const body = await service.publicReportJson(db, params.id);
      res.status(200).type('application/json; charset=utf-8').send(body);
    },
  );
  defineRoute(
    target,
    { method: 'get', path: '/api/public/disclosures/:id/pdf', summary: 'The PDF exactly as frozen at publication', tags: publicTags, auth: false, params: DisclosureParams, responseDescription: 'The PDF', responseContent: PDF },
    async ({ req, res, params }) => sendPdf(req.get('If-None-Match'), res, await service.publicPdf(db, params.id, 'original')),
  );
  defineRoute(
    target,
    { method: 'get', path: '/api/public/disclosures/:id/pdf/countersigned', summary: 'The countersigned rendering (404 until countersigned)', tags: publicTags, auth: false, params: DisclosureParams, responseDescription: 'The PDF', responseContent: PDF },
    async ({ req, res, params }) => sendPdf(req.get('If-None-Match'), res, await service.publicPdf(db, params.id, 'countersigned')),
  );
  defineRoute(
    target,
    { method: 'get', path: '/api/public/disclosures/:id/verify', summary: 'Recompute the report from the ledger and check the snapshot, PDF bytes and hash chain', tags: publicTags, auth: false, params: DisclosureParams, response: DisclosureCheckView },
    ({ params }) => service.verifyForPublic(db, params.id),
  );
}

function sendPdf(ifNoneMatch: string | undefined, res: Response, pdf: { bytes: Buffer; sha256: string; filename: string }): void {
  const etag = `"${pdf.sha256}"`;
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', IMMUTABLE);
  if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
    res.status(304).end();
    return;
  }
  const ascii = pdf.filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  res.setHeader('Content-Type', 'application/pdf');
  res.setHeader('Content-Disposition', `inline; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(pdf.filename)}`);
  res.setHeader('Content-Length', String(pdf.bytes.length));
  res.status(200).end(pdf.bytes);
}

