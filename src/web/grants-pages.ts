/**
 * The reviewer's page of a grant application: first the conflict-of-interest declaration,
 * and only without a conflict the scores (0–5 per criterion of the round's rubric). A
 * declared conflict is a recusal: the page then offers no scores, and the grants service
 * refuses any. Rules live in the grants service; this page only asks and shows.
 */
import type { Request, Response, Router } from 'express';
import * as grants from '../grants/service';
import { DomainError, isDomainError } from '../shared/errors';
import { actorOf, FieldErrors, formFailure, page, requireLogin, Web } from './context';
import { textOf } from './forms';
import { requireCsrf } from './session';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function applicationId(req: Request): string {
  const id = String(req.params.id ?? '');
  if (!UUID.test(id)) throw new DomainError('not_found', 'Application not found.');
  return id;
}

export function grantsPages(router: Router, web: Web, refuseCsrf: (req: Request, res: Response) => void): void {
  const csrf = requireCsrf(web.config.jwtSecret, refuseCsrf);

  async function ownReview(req: Request, id: string) {
    try {
      return await grants.getOwnReview(web.db, actorOf(req), id);
    } catch (error) {
      if (isDomainError(error) && error.code === 'not_found') return null;
      throw error;
    }
  }

  async function showReview(req: Request, res: Response, id: string, step: 'coi' | 'scores', values: Record<string, string>, failure: { message?: string; errors?: FieldErrors; status?: number } = {}) {
    const review = await ownReview(req, id);
    if (review) {
      return web.render(req, res, 'review', '评审', { id, review, application: null, rubric: [], step: 'done', values, errors: {}, message: failure.message ?? null }, { status: failure.status });
    }
    const application = await grants.getApplication(web.db, actorOf(req), id);
    const round = await grants.getRound(web.db, (application as { roundId: string }).roundId, web.clock);
    web.render(req, res, 'review', '评审', { id, review: null, application, rubric: (round as { rubric: unknown[] }).rubric, step, values, errors: failure.errors ?? {}, message: failure.message ?? null }, { status: failure.status });
  }

  router.get(
    '/app/review/:id',
    requireLogin,
    page(async (req, res) => {
      const step = req.query.step === 'scores' ? 'scores' : 'coi';
      await showReview(req, res, applicationId(req), step, {});
    }),
  );

  router.post(
    '/app/review/:id/coi',
    requireLogin,
    csrf,
    page(async (req, res) => {
      const id = applicationId(req);
      const answer = textOf(req.body?.conflict);
      if (answer !== 'yes' && answer !== 'no') {
        return showReview(req, res, id, 'coi', {}, { message: '请先回答：您和这个申请有没有利益冲突？', errors: { conflict: '请选择“有”或“没有”。' }, status: 400 });
      }
      if (answer === 'no') return res.redirect(303, `/app/review/${id}?step=scores`);
      try {
        await grants.submitReview(web.db, actorOf(req), id, { conflictOfInterest: true, comment: textOf(req.body?.comment) || null });
        res.redirect(303, `/app/review/${id}`);
      } catch (error) {
        const failure = formFailure(error);
        if (!failure || failure.status === 404) throw error;
        if (isDomainError(error) && error.code === 'already_reviewed') failure.message = '您已经提交过评审（或已声明回避），不能再次提交。';
        await showReview(req, res, id, 'coi', {}, failure);
      }
    }),
  );

  router.post(
    '/app/review/:id/scores',
    requireLogin,
    csrf,
    page(async (req, res) => {
      const id = applicationId(req);
      const body = (req.body ?? {}) as Record<string, unknown>;
      const values: Record<string, string> = {};
      const scores: Record<string, number> = {};
      const errors: FieldErrors = {};
      for (const [field, raw] of Object.entries(body)) {
        if (!field.startsWith('score_')) continue;
        const key = field.slice('score_'.length);
        const text = textOf(raw).normalize('NFKC');
        values[field] = text;
        if (!/^[0-5]$/.test(text)) errors[field] = '请给出 0 到 5 分。';
        else scores[key] = Number.parseInt(text, 10);
      }
      values.comment = textOf(body.comment);
      if (Object.keys(errors).length > 0) return showReview(req, res, id, 'scores', values, { message: '有几项评分需要修改。', errors, status: 400 });
      try {
        await grants.submitReview(web.db, actorOf(req), id, { conflictOfInterest: false, scores, comment: values.comment || null });
        res.redirect(303, `/app/review/${id}`);
      } catch (error) {
        const failure = formFailure(error);
        if (!failure || failure.status === 404) throw error;
        if (isDomainError(error) && error.code === 'already_reviewed') failure.message = '您已经提交过评审（或已声明回避），不能再评分。';
        else if (isDomainError(error) && error.code === 'invalid_request') failure.message = '每一项评分标准都要打分（0 到 5 分）。';
        await showReview(req, res, id, 'scores', values, failure);
      }
    }),
  );
}
