/**
 * HTTP routes of grant rounds: parse, call the service, answer. No knex, no arithmetic.
 * Rounds and the 360Giving export are public (a round is an open call for proposals);
 * everything about applications needs a token.
 */
import type { Knex } from 'knex';
import { defineRoute, RouteTarget } from '../http/route';
import type { Clock } from '../shared/clock';
import * as service from './service';
import {
  AmendGrantCommand,
  ApplicationParams,
  ApplicationReviewerParams,
  AssignReviewersCommand,
  CreateApplicationCommand,
  CreateRoundCommand,
  DecisionCommand,
  DisburseCommand,
  FileReportCommand,
  ListQuery,
  NoteCommand,
  RefundCommand,
  RoundParams,
  RoundQuery,
  SubmitReviewCommand,
  UpdateApplicationCommand,
} from './schemas';
import { ApplicationList, ApplicationView, DisbursementResult, RefundResult, ReportResult, ReviewView, RoundList, RoundView, ThreeSixtyGivingView } from './responses';

export function grantsRoutes(target: RouteTarget, deps: { db: Knex; clock: Clock }): void {
  const { db, clock } = deps;
  const tags = ['grants'];
  const app = '/api/applications/:id';

  defineRoute(target, { method: 'post', path: '/api/rounds', summary: 'Open a grant round (grant manager of the foundation)', tags, auth: true, body: CreateRoundCommand, status: 201, response: RoundView }, ({ actor, body }) =>
    service.createRound(db, actor, body, clock),
  );
  // A round is public information (applicants without an account read it, and 360Giving is open
  // data), so it is readable under /api/public/ without a token; the /api/rounds reads, like
  // everything outside /api/public/ (API.md), take one.
  for (const [prefix, auth] of [['/api/rounds', true], ['/api/public/rounds', false]] as const) {
    const who = auth ? 'any signed-in user' : 'public, no token';
    defineRoute(target, { method: 'get', path: prefix, summary: `Grant rounds (${who})`, tags, auth, query: RoundQuery, response: RoundList }, ({ query }) =>
      service.listRounds(db, query, clock),
    );
    defineRoute(target, { method: 'get', path: `${prefix}/:id`, summary: `A grant round with budget, committed, disbursed, remaining (${who})`, tags, auth, params: RoundParams, response: RoundView }, ({ params }) =>
      service.getRound(db, params.id, clock),
    );
    defineRoute(target, { method: 'get', path: `${prefix}/:id/360giving.json`, summary: `The round's awarded grants as 360Giving JSON (${who})`, tags, auth, params: RoundParams, response: ThreeSixtyGivingView }, ({ params }) =>
      service.threeSixtyGiving(db, params.id),
    );
  }
  defineRoute(target, { method: 'get', path: '/api/rounds/:id/applications', summary: "A round's applications (staff: all; reviewer: assigned)", tags, auth: true, params: RoundParams, query: ListQuery, response: ApplicationList }, ({ actor, params, query }) =>
    service.listRoundApplications(db, actor, params.id, query),
  );
  defineRoute(target, { method: 'post', path: '/api/rounds/:id/applications', summary: 'Start an application (applicant) → draft', tags, auth: true, params: RoundParams, body: CreateApplicationCommand, status: 201, response: ApplicationView }, ({ actor, params, body }) =>
    service.createApplication(db, actor, params.id, body, clock),
  );

  defineRoute(target, { method: 'get', path: '/api/applications', summary: "The caller's own applications", tags, auth: true, query: ListQuery, response: ApplicationList }, ({ actor, query }) =>
    service.listMyApplications(db, actor, query),
  );
  defineRoute(target, { method: 'get', path: app, summary: 'An application with reviews (as the caller may see them), decision, tranches, money, reports and history', tags, auth: true, params: ApplicationParams, response: ApplicationView }, ({ actor, params }) =>
    service.getApplication(db, actor, params.id),
  );
  defineRoute(target, { method: 'patch', path: app, summary: 'Edit a draft (owner)', tags, auth: true, params: ApplicationParams, body: UpdateApplicationCommand, response: ApplicationView }, ({ actor, params, body }) =>
    service.updateApplication(db, actor, params.id, body),
  );
  defineRoute(target, { method: 'post', path: `${app}/submit`, summary: 'Submit (owner; round must be open) → submitted', tags, auth: true, params: ApplicationParams, response: ApplicationView }, ({ actor, params }) =>
    service.submitApplication(db, actor, params.id, clock),
  );
  defineRoute(target, { method: 'post', path: `${app}/withdraw`, summary: 'Withdraw from draft or submitted (owner)', tags, auth: true, params: ApplicationParams, body: NoteCommand, response: ApplicationView }, ({ actor, params, body }) =>
    service.withdrawApplication(db, actor, params.id, body.note, clock),
  );
  defineRoute(target, { method: 'post', path: `${app}/reviewers`, summary: 'Assign reviewers (grant manager) → under_review', tags, auth: true, params: ApplicationParams, body: AssignReviewersCommand, response: ApplicationView }, ({ actor, params, body }) =>
    service.assignReviewers(db, actor, params.id, body, clock),
  );
  defineRoute(
    target,
    { method: 'delete', path: `${app}/reviewers/:userId`, summary: 'Withdraw a reviewer who has not reviewed yet (grant manager)', tags, auth: true, params: ApplicationReviewerParams, response: ApplicationView },
    ({ actor, params }) => service.removeReviewer(db, actor, params.id, params.userId),
  );
  defineRoute(target, { method: 'post', path: `${app}/reviews`, summary: 'Review once (assigned reviewer); a conflict of interest is a recusal', tags, auth: true, params: ApplicationParams, body: SubmitReviewCommand, status: 201, response: ReviewView }, ({ actor, params, body }) =>
    service.submitReview(db, actor, params.id, body),
  );
  defineRoute(target, { method: 'get', path: `${app}/reviews/mine`, summary: "The caller's own review or recusal", tags, auth: true, params: ApplicationParams, response: ReviewView }, ({ actor, params }) =>
    service.getOwnReview(db, actor, params.id),
  );
  defineRoute(target, { method: 'post', path: `${app}/decision`, summary: 'Approve (with amount and tranches) or reject (with a reason)', tags, auth: true, params: ApplicationParams, body: DecisionCommand, response: ApplicationView }, ({ actor, params, body }) =>
    service.decide(db, actor, params.id, body, clock),
  );
  defineRoute(
    target,
    {
      method: 'post',
      path: `${app}/amendments`,
      summary: 'Amend an awarded grant (grant manager): re-split unpaid tranches, move the project end; the award stays',
      tags,
      auth: true,
      params: ApplicationParams,
      body: AmendGrantCommand,
      status: 201,
      response: ApplicationView,
    },
    ({ actor, params, body }) => service.amendGrant(db, actor, params.id, body, clock),
  );
  defineRoute(
    target,
    { method: 'post', path: `${app}/disbursements`, summary: "Disburse: posts in the foundation's books (and the station's, when in the system)", tags, auth: true, params: ApplicationParams, body: DisburseCommand, status: 201, idempotent: true, response: DisbursementResult },
    ({ actor, params, body, idempotencyKey }) => service.disburse(db, actor, params.id, body, clock, { idempotencyKey }),
  );
  defineRoute(target, { method: 'post', path: `${app}/reports`, summary: 'File a progress or final report (owner)', tags, auth: true, params: ApplicationParams, body: FileReportCommand, status: 201, response: ReportResult }, ({ actor, params, body }) =>
    service.fileReport(db, actor, params.id, body, clock),
  );
  defineRoute(
    target,
    { method: 'post', path: `${app}/refunds`, summary: 'Record unspent money returned (grant manager)', tags, auth: true, params: ApplicationParams, body: RefundCommand, status: 201, idempotent: true, response: RefundResult },
    ({ actor, params, body, idempotencyKey }) => service.refund(db, actor, params.id, body, { idempotencyKey }),
  );
  defineRoute(target, { method: 'post', path: `${app}/close`, summary: 'Close a grant in reporting; a difference between money held and spent is noted in the history', tags, auth: true, params: ApplicationParams, body: NoteCommand, response: ApplicationView }, ({ actor, params, body }) =>
    service.closeGrant(db, actor, params.id, body.note, clock),
  );
}
