/**
 * HTTP routes of the books: parse, call the service, answer. No knex, no arithmetic.
 */
import multer from 'multer';
import type { RequestHandler } from 'express';
import type { Knex } from 'knex';
import { defineRoute, RouteTarget, sendJsonPieces } from '../http/route';
import { Binary, EntityParams, Pagination, Uuid } from '../shared/schemas';
import { z } from '../shared/zod';
import { pageOf } from '../shared/paging';
import { DomainError } from '../shared/errors';
import type { Clock } from '../shared/clock';
import * as service from './service';
import { hledgerJournal } from './hledger';
import {
  AccountParams,
  ApprovalFlagQuery,
  AsOfQuery,
  CreateAccountCommand,
  CreateEntityCommand,
  CreateFundCommand,
  CreateProjectCommand,
  EntryParams,
  EntryQuery,
  PeriodParams,
  PostEntryCommand,
  RangeQuery,
  RecordPaymentCommand,
  RecordReceiptCommand,
  RecordReconciliationCommand,
  RejectEntryCommand,
  ReverseEntryCommand,
} from './schemas';
import {
  AccountList,
  AccountView,
  ApprovalFlagsView,
  AttachmentView,
  ChainCheckView,
  ClosePeriodView,
  EntityView,
  EntryList,
  EntryView,
  FundList,
  FundView,
  PeriodList,
  ProjectList,
  ProjectView,
  PublicEntityList,
  ReconciliationList,
  ReconciliationView,
  StatementView,
  TrialBalanceView,
} from './responses';
import { uploadSlots } from '../http/concurrency';

/** Attachments are served as stored: a JPEG, PNG or PDF, by their content. */
const BINARY_ATTACHMENT = { 'image/jpeg': Binary, 'image/png': Binary, 'application/pdf': Binary };

export function ledgerRoutes(target: RouteTarget, deps: { db: Knex; clock: Clock }): void {
  const { db, clock } = deps;
  const tags = ['ledger'];
  const base = '/api/entities/:entityId';

  defineRoute(target, { method: 'get', path: '/api/public/entities', summary: 'List stations and foundations (public)', tags: ['public'], auth: false, query: Pagination, response: PublicEntityList }, async ({ query }) =>
    pageOf(await service.listPublicEntities(db), query, (entity) => entity.id),
  );
  defineRoute(target, { method: 'post', path: '/api/entities', summary: 'Create an entity with the standard chart and fund GENERAL', tags, auth: true, body: CreateEntityCommand, status: 201, response: EntityView }, ({ actor, body }) =>
    service.createEntity(db, actor, body),
  );
  defineRoute(target, { method: 'get', path: base, summary: 'An entity', tags, auth: true, params: EntityParams, response: EntityView }, async ({ actor, params }) => {
    await service.readableEntity(db, actor, params.entityId);
    return service.getEntity(db, params.entityId);
  });

  defineRoute(target, { method: 'get', path: `${base}/accounts`, summary: 'Chart of accounts', tags, auth: true, params: EntityParams, query: Pagination, response: AccountList }, async ({ actor, params, query }) =>
    pageOf(await service.listAccounts(db, actor, params.entityId), query, (account) => account.code),
  );
  defineRoute(target, { method: 'post', path: `${base}/accounts`, summary: 'Add a sub-account', tags, auth: true, params: EntityParams, body: CreateAccountCommand, status: 201, response: AccountView }, ({ actor, params, body }) =>
    service.createAccount(db, actor, params.entityId, body),
  );
  defineRoute(target, { method: 'get', path: `${base}/funds`, summary: 'Funds', tags, auth: true, params: EntityParams, query: Pagination, response: FundList }, async ({ actor, params, query }) =>
    pageOf(await service.listFunds(db, actor, params.entityId), query, (fund) => fund.code),
  );
  defineRoute(target, { method: 'post', path: `${base}/funds`, summary: 'Add a fund', tags, auth: true, params: EntityParams, body: CreateFundCommand, status: 201, response: FundView }, ({ actor, params, body }) =>
    service.createFund(db, actor, params.entityId, body),
  );
  defineRoute(target, { method: 'get', path: `${base}/projects`, summary: 'Projects', tags, auth: true, params: EntityParams, query: Pagination, response: ProjectList }, async ({ actor, params, query }) =>
    pageOf(await service.listProjects(db, actor, params.entityId), query, (project) => project.id),
  );
  defineRoute(target, { method: 'post', path: `${base}/projects`, summary: 'Add a project', tags, auth: true, params: EntityParams, body: CreateProjectCommand, status: 201, response: ProjectView }, ({ actor, params, body }) =>
    service.createProject(db, actor, params.entityId, body),
  );

  defineRoute(target, { method: 'post', path: `${base}/entries`, summary: 'Post a journal entry', tags, auth: true, params: EntityParams, body: PostEntryCommand, status: 201, idempotent: true, response: EntryView }, ({ actor, params, body, idempotencyKey }) =>
    service.postEntry(db, actor, params.entityId, body, { idempotencyKey, request: { route: 'entry', entityId: params.entityId, body } }),
  );
  defineRoute(target, { method: 'get', path: `${base}/entries`, summary: 'List entries', tags, auth: true, params: EntityParams, query: EntryQuery, response: EntryList }, ({ actor, params, query }) =>
    service.listEntries(db, actor, params.entityId, query),
  );
  defineRoute(target, { method: 'get', path: `${base}/entries/:id`, summary: 'One entry', tags, auth: true, params: EntryParams, response: EntryView }, ({ actor, params }) =>
    service.getEntry(db, actor, params.entityId, params.id),
  );
  defineRoute(target, { method: 'post', path: `${base}/entries/:id/reverse`, summary: 'Reverse an entry (once)', tags, auth: true, params: EntryParams, body: ReverseEntryCommand, status: 201, idempotent: true, response: EntryView }, ({ actor, params, body, idempotencyKey }) =>
    service.reverseEntry(db, actor, params.entityId, params.id, body, { idempotencyKey }),
  );
  defineRoute(target, { method: 'post', path: `${base}/entries/:id/approve`, summary: 'Approve a pending entry (supervisor, not its author)', tags, auth: true, params: EntryParams, response: EntryView }, ({ actor, params }) =>
    service.approveEntry(db, actor, params.entityId, params.id),
  );
  defineRoute(
    target,
    {
      method: 'post',
      path: `${base}/entries/:id/reject`,
      summary: 'Reject a pending entry (a supervisor), or withdraw it (its author), with a reason: it becomes rejected, never numbered and in no balance (an addition to the v1 contract)',
      tags,
      auth: true,
      params: EntryParams,
      body: RejectEntryCommand,
      response: EntryView,
    },
    ({ actor, params, body }) => service.rejectEntry(db, actor, params.entityId, params.id, body),
  );

  defineRoute(target, { method: 'post', path: `${base}/receipts`, summary: 'Record a receipt (donation, parking, recycling, subsidy, other)', tags, auth: true, params: EntityParams, body: RecordReceiptCommand, status: 201, idempotent: true, response: EntryView }, ({ actor, params, body, idempotencyKey }) =>
    service.recordReceipt(db, actor, params.entityId, body, { idempotencyKey }),
  );
  defineRoute(target, { method: 'post', path: `${base}/payments`, summary: 'Record a payment', tags, auth: true, params: EntityParams, body: RecordPaymentCommand, status: 201, idempotent: true, response: EntryView }, ({ actor, params, body, idempotencyKey }) =>
    service.recordPayment(db, actor, params.entityId, body, { idempotencyKey }),
  );

  defineRoute(target, { method: 'get', path: `${base}/trial-balance`, summary: 'Trial balance as of a date', tags, auth: true, params: EntityParams, query: AsOfQuery, response: TrialBalanceView }, ({ actor, params, query }) =>
    service.trialBalance(db, actor, params.entityId, query.asOf, clock),
  );
  defineRoute(target, { method: 'get', path: `${base}/accounts/:code/statement`, summary: 'Account statement with running balance', tags, auth: true, params: AccountParams, query: RangeQuery, response: StatementView }, ({ actor, params, query, res }) =>
    sendJsonPieces(res, service.accountStatement(db, actor, params.entityId, params.code, query, clock)),
  );
  defineRoute(target, { method: 'get', path: `${base}/periods`, summary: 'Closed periods', tags, auth: true, params: EntityParams, query: Pagination, response: PeriodList }, async ({ actor, params, query }) =>
    pageOf(await service.listPeriods(db, actor, params.entityId), query, (period) => period.period),
  );
  defineRoute(target, { method: 'post', path: `${base}/periods/:period/close`, summary: 'Close a month (December also posts the year-end close)', tags, auth: true, params: PeriodParams, response: ClosePeriodView }, ({ actor, params }) =>
    service.closePeriod(db, actor, params.entityId, params.period, clock),
  );
  defineRoute(target, { method: 'get', path: `${base}/export/journal`, summary: 'The journal in hledger format', tags, auth: true, params: EntityParams, query: RangeQuery, responseContent: { 'text/plain': z.string() } }, async ({ actor, params, query, res }) => {
    await service.readableEntity(db, actor, params.entityId);
    service.assertRange(query);
    res.type('text/plain; charset=utf-8');
    for await (const chunk of hledgerJournal(db, params.entityId, query)) res.write(chunk);
    res.end();
  });
  defineRoute(target, { method: 'get', path: `${base}/verify`, summary: 'Recompute the hash chain', tags, auth: true, params: EntityParams, response: ChainCheckView }, ({ actor, params }) =>
    service.verify(db, actor, params.entityId),
  );

  defineRoute(target, { method: 'post', path: `${base}/reconciliations`, summary: 'Record counted cash and the bank statement balance', tags, auth: true, params: EntityParams, body: RecordReconciliationCommand, status: 201, idempotent: true, response: ReconciliationView }, ({ actor, params, body, idempotencyKey }) =>
    service.recordReconciliation(db, actor, params.entityId, body, { idempotencyKey }),
  );
  defineRoute(target, { method: 'get', path: `${base}/reconciliations`, summary: 'Reconciliations', tags, auth: true, params: EntityParams, query: Pagination, response: ReconciliationList }, async ({ actor, params, query }) =>
    pageOf(await service.listReconciliations(db, actor, params.entityId), query, (reconciliation) => String(reconciliation.id)),
  );

  const upload = multer({ storage: multer.memoryStorage(), defParamCharset: 'utf8', limits: { fileSize: 5 * 1024 * 1024, files: 1, fields: 5 } });
  const signedIn: RequestHandler = (req, _res, next) => next(req.actor ? undefined : new DomainError('unauthenticated', 'A valid bearer token is required.'));
  target.router.post(`${base}/entries/:id/attachments`, signedIn, uploadSlots, (req, res, next) => {
    // A multipart body the parser cannot read (no boundary, cut short) is the sender's mistake.
    return upload.single('file')(req, res, (error?: unknown) => {
      if (!error || error instanceof DomainError || (error as { code?: unknown }).code !== undefined) return next(error);
      next(new DomainError('invalid_request', 'The upload is not a readable multipart form; send the file in the field `file`.', { errors: [{ path: 'file', message: 'a multipart form' }] }));
    });
  });
  defineRoute(target, { method: 'post', path: `${base}/entries/:id/attachments`, summary: 'Attach a receipt photo or scan (JPEG, PNG, PDF ≤ 5 MB; multipart field `file`)', tags, auth: true, params: EntryParams, status: 201, response: AttachmentView }, ({ actor, params, req }) =>
    service.addAttachment(db, actor, params.entityId, params.id, req.file),
  );
  defineRoute(
    target,
    { method: 'get', path: `${base}/entries/:id/attachments/:attachmentId`, summary: 'Download an attachment', tags, auth: true, params: EntryParams.extend({ attachmentId: Uuid }), responseContent: BINARY_ATTACHMENT },
    async ({ actor, params, res }) => {
      const file = await service.getAttachment(db, actor, params.entityId, params.id, params.attachmentId);
      res.setHeader('Content-Type', file.content_type);
      res.setHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.filename)}`);
      res.setHeader('X-Content-SHA256', file.sha256);
      res.end(file.data);
    },
  );
}

/** Flags for the supervisor (监委会): payments split below the approval threshold. */
export function approvalFlagRoutes(target: RouteTarget, deps: { db: Knex }): void {
  defineRoute(
    target,
    { method: 'get', path: '/api/entities/:entityId/approval-flags', summary: 'Payments to one payee on one day that together exceed the approval threshold while each is below it', tags: ['ledger'], auth: true, params: EntityParams, query: ApprovalFlagQuery, response: ApprovalFlagsView },
    // One flag per day and payee, the payee compared as the query groups it (lower case).
    async ({ actor, params, query }) => pageOf(await service.approvalFlags(deps.db, actor, params.entityId, query), query, (flag) => `${flag.date}|${flag.payee.toLowerCase()}`),
  );
}
