/**
 * The server-rendered web: static assets, login and logout, the public pages, and the pages
 * of people who keep the books. It calls the domain services directly (never HTTP to itself)
 * and answers every error with a Chinese page, never a problem+json body.
 */
import path from 'node:path';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import rateLimit, { ipKeyGenerator } from 'express-rate-limit';
import * as auth from '../auth/service';
import { LoginCommand } from '../auth/schemas';
import * as ledger from '../ledger/service';
import { classify } from '../http/problem';
import { DomainError, isDomainError } from '../shared/errors';
import { page, refererPath, requireLogin, webOf, WebDeps, Web, actorOf } from './context';
import { textOf } from './forms';
import { hintFor, sentenceFor, webStatusOf } from './messages';
import { publicPages } from './public-pages';
import { endSession, requireCsrf, startSession } from './session';
import { keepFormOfStalePage, keepFormsOfLostSessions, keptFormWaiting, pageOfForm } from './kept-forms';
import { treasurerPages } from './treasurer-pages';
import { balancePages } from './balance-pages';
import { disclosurePages } from './disclosure-pages';
import { grantsPages } from './grants-pages';
import { ROLE_LABELS } from './views';

export const STATIC_DIR = path.resolve(__dirname, 'static');

/**
 * The regular Noto Sans SC face, served for devices with no Chinese font of their own. It is
 * the last family in the stylesheet, so a browser that already has a CJK font never fetches it.
 */
const FONT_DIR = path.join(path.dirname(require.resolve('@expo-google-fonts/noto-sans-sc/package.json')), '400Regular');

/** A relative path on this site to return to after login; anything else goes to /app. */
function safeNext(value: string): string {
  return /^\/(?![/\\])[^\s]*$/.test(value) && !value.startsWith('/login') ? value : '/app';
}

export function webRouter(deps: WebDeps): Router {
  const web = webOf(deps);
  const router = Router();
  router.use('/static/fonts', express.static(FONT_DIR, { maxAge: '30d', immutable: true, index: false }));
  router.use('/static', express.static(STATIC_DIR, { maxAge: '1h', index: false }));
  // Pages name /static/favicon.svg; a browser that still asks for /favicon.ico gets "no icon"
  // instead of a 404 that shows as an error in its console on every page.
  router.get('/favicon.ico', (_req, res) => {
    res.status(204).set('Cache-Control', 'public, max-age=86400').end();
  });

  // A form from a page opened under an earlier session comes back filled in on its page; any
  // other form without a valid token (another site sent it, or nothing was typed) is refused,
  // with 返回 leading to the form's page when the user is logged in.
  const refuseCsrf = async (req: Request, res: Response) => {
    if (await keepFormOfStalePage(web, req, res)) return;
    const formPage = req.actor && req.originalUrl.startsWith('/app/') ? pageOfForm(req.originalUrl.split('?')[0]) : undefined;
    web.render(req, res, 'error', '请刷新页面', { heading: '请刷新页面后再提交', message: '这个页面已经过期或不是从本站打开的，为了安全没有保存。请返回、刷新页面后再试一次。', back: refererPath(req) ?? formPage ?? '/' }, { status: 403 });
  };
  const csrf = requireCsrf(deps.config.jwtSecret, refuseCsrf);

  publicPages(router, web);
  sessionPages(router, web, csrf);
  router.use('/app', keepFormsOfLostSessions(web));
  router.get(
    '/app',
    requireLogin,
    page(async (req, res) => {
      const actor = actorOf(req);
      const entityIds = [...new Set(actor.roles.map((grant) => grant.entityId).filter((id): id is string => id !== null))];
      const places = [];
      for (const entityId of entityIds) {
        const entity = await ledger.getEntity(deps.db, entityId);
        const roles = actor.roles.filter((grant) => grant.entityId === entityId).map((grant) => grant.role);
        const bookRole = roles.includes('treasurer') || roles.includes('supervisor');
        const code = encodeURIComponent(entity.code);
        // Each kind of work gets its own tile: the books, the grant rounds, the reviews.
        if (bookRole) places.push({ name: entity.name, roles: roles.filter((role) => role === 'treasurer' || role === 'supervisor').map((role) => ROLE_LABELS[role]).join('、'), href: `/app/e/${code}` });
        if (roles.includes('grant_manager')) places.push({ name: `${entity.name} · 资助项目`, roles: ROLE_LABELS.grant_manager, href: `/app/g/${code}` });
        if (roles.includes('reviewer')) places.push({ name: `${entity.name} · 评审任务`, roles: ROLE_LABELS.reviewer, href: '/app/reviews' });
        if (!bookRole && !roles.includes('grant_manager') && !roles.includes('reviewer')) places.push({ name: entity.name, roles: roles.map((role) => ROLE_LABELS[role]).join('、'), href: `/e/${code}` });
      }
      if (actor.roles.some((grant) => grant.role === 'applicant')) places.push({ name: '我的资助申请', roles: ROLE_LABELS.applicant, href: '/app/applications' });
      if (places.length === 1) return res.redirect(303, places[0].href);
      web.render(req, res, 'app-home', '我的工作', { places, isAdmin: actor.roles.some((grant) => grant.role === 'admin') });
    }),
  );
  treasurerPages(router, web, refuseCsrf);
  balancePages(router, web);
  disclosurePages(router, web, refuseCsrf);
  grantsPages(router, web, refuseCsrf);

  // Any other path a browser asks for is the Chinese 404 page. Paths under /api and clients
  // that prefer JSON (or say nothing) fall through to the app's problem+json 404.
  router.use((req, _res, next) => {
    if (/^\/api(\/|$)/.test(req.path) || req.accepts(['json', 'html']) !== 'html') return next();
    next(new DomainError('not_found', `No page at ${req.path}.`));
  });
  router.use(webErrorHandler(web));
  return router;
}

function sessionPages(router: Router, web: Web, csrf: ReturnType<typeof requireCsrf>): void {
  const showLogin = (req: Request, res: Response, values: Record<string, string>, failure: { message?: string; errors?: Record<string, string>; status?: number } = {}) =>
    web.render(req, res, 'login', '登录', { values, errors: failure.errors ?? {}, message: failure.message ?? null }, { status: failure.status });

  router.get(
    '/login',
    page(async (req, res) => {
      if (req.actor) return res.redirect(303, safeNext(textOf(req.query.next)));
      let expired: string | undefined;
      if (req.query.expired === '1') {
        expired = (await keptFormWaiting(web, req))
          ? '登录已过期或已经退出，您刚才填写的内容已保留，还没有保存。请重新登录，登录后会回到刚才的页面并填好这些内容，请核对后再点保存。'
          : '登录已过期或已经退出，刚才填写的内容没有保存。请重新登录，登录后会回到刚才的页面，请再填一次。';
      }
      showLogin(req, res, { next: textOf(req.query.next) }, { message: expired });
    }),
  );

  const limiter = rateLimit({
    windowMs: 60_000,
    limit: web.config.loginRateLimit,
    standardHeaders: 'draft-8',
    // Only failures count, as on the API: the limit slows password guessing, not people logging in.
    skipSuccessfulRequests: true,
    legacyHeaders: false,
    keyGenerator: (req) => `web|${ipKeyGenerator(req.ip ?? '')}|${textOf(req.body?.username).toLowerCase().slice(0, 100)}`,
    handler: (req, res) => showLogin(req, res, { username: textOf(req.body?.username), next: textOf(req.body?.next) }, { message: sentenceFor({ code: 'too_many_requests' } as never), status: 429 }),
  });

  router.post(
    '/login',
    csrf,
    limiter,
    page(async (req, res) => {
      const values = { username: textOf(req.body?.username), next: textOf(req.body?.next) };
      const parsed = LoginCommand.safeParse({ username: values.username, password: typeof req.body?.password === 'string' ? req.body.password : '' });
      if (!parsed.success) {
        const errors: Record<string, string> = {};
        for (const issue of parsed.error.issues) errors[String(issue.path[0])] = hintFor(String(issue.path[0]));
        return showLogin(req, res, values, { message: '请填写用户名和密码。', errors, status: 400 });
      }
      try {
        const { token } = await auth.login(web.db, web.config.jwtSecret, parsed.data);
        startSession(req, res, token);
        res.redirect(303, safeNext(values.next));
      } catch (error) {
        if (!isDomainError(error)) throw error;
        showLogin(req, res, values, { message: sentenceFor(error), status: webStatusOf(error.code) });
      }
    }),
  );

  router.post('/logout', csrf, (req, res) => {
    endSession(req, res);
    res.redirect(303, '/?ok=logout');
  });
}

function webErrorHandler(web: Web) {
  return (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    if (isDomainError(error)) {
      const status = webStatusOf(error.code);
      if (status === 401) return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
      const heading = status === 404 ? '没有找到' : status === 403 ? '没有权限' : '没有成功';
      return web.render(req, res, 'error', heading, { heading, message: sentenceFor(error), back: req.actor ? '/app' : '/' }, { status });
    }
    // What the plumbing refuses (a bad percent-escape in the address, a body it cannot read) is
    // the sender's mistake: a 4xx page, not 系统出错了.
    const refused = classify(error);
    if (refused?.status === 503) {
      res.set('Retry-After', '30');
      return web.render(req, res, 'error', '请稍后再试', { heading: '系统暂时忙不过来', message: '账本的数据库暂时连不上，这一步没有保存任何内容。请过一两分钟再试一次。', back: req.actor ? '/app' : '/' }, { status: 503 });
    }
    if (refused && refused.status < 500) {
      const heading = refused.status === 404 ? '没有找到' : '没有成功';
      return web.render(req, res, 'error', heading, { heading, message: '这个网址或提交的内容无法读取，请检查后再试。', back: req.actor ? '/app' : '/' }, { status: refused.status });
    }
    web.logger.error({ err: error, requestId: req.id, method: req.method, url: req.originalUrl }, 'web page failed');
    try {
      web.render(req, res, 'error', '出错了', { heading: '系统出错了', message: '很抱歉，这一步没有完成。请稍后再试；如果一直这样，请联系管理员。', requestId: req.id, back: '/' }, { status: 500 });
    } catch {
      res.status(500).type('text/plain; charset=utf-8').send('系统出错了，请稍后再试。');
    }
  };
}
