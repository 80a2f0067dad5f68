/**
 * Forms kept across a lost session. A form sent under /app without a valid session (it expired,
 * or the user logged out in another tab) is never acted on. What was typed is kept in the
 * database for 30 minutes under a random id in an http-only cookie, and the login page leads
 * back to the page the form is on; once someone who may use that page has logged in, the page
 * shows the form filled in again, through the same path that shows a refused form with what
 * was typed, and the user saves it themselves (checked then like any form: role, entity, CSRF,
 * idempotency). A form from a page opened under an earlier session (the user has logged in
 * again since, perhaps in another tab) carries a CSRF token of that session: it is refused and
 * kept the same way, and the browser goes straight back to the form's page. Nothing is kept from a form another site sent, no password, CSRF token or file,
 * and nothing over 16 KB. This module decides nothing about who may see a page: each page shows
 * its kept form only to someone who passed its own access check.
 */
import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import type { Web } from './context';
import { deleteKeptForm, insertKeptForm, KeptFields, keptFormExists, liveKeptFormCount, takeKeptForm as takeKeptFormRow } from './kept-form-queries';
import { cookieOptions, CSRF_FIELD } from './session';

export type { KeptFields } from './kept-form-queries';

export const KEPT_FORM_COOKIE = 'kept_form';
export const KEEP_SECONDS = 30 * 60;
export const MAX_KEPT_BYTES = 16 * 1024;
/**
 * Anyone may send a form without a session, so the table is capped: past this many forms within
 * their time (at most 80 MB), no more are kept until some expire, and the login page then says
 * the form was not saved.
 */
export const MAX_KEPT_FORMS = 5000;
const MAX_PATH_LENGTH = 1000;
const COOKIE_ID = /^[A-Za-z0-9_-]{32}$/;

export const KEPT_NOTICE = '登录已过期，您刚才填写的内容已保留，还没有保存。请核对后再点保存。';
export const STALE_PAGE_NOTICE = '页面已过期（您后来重新登录过），您刚才填写的内容已保留，还没有保存。请核对后再点保存。';

/**
 * Added to the address of the page a form from a stale page goes back to, so the page says why
 * the form came back; takeKeptForm reads it and matches the kept form without it.
 */
const STALE_MARK = 'kept=stale';

/**
 * A form kept for the page being shown: where it was sent, what was typed, whether a file was
 * chosen (the form asks for it again), and the notice to show above it.
 */
export interface KeptForm {
  action: string;
  fields: KeptFields;
  hadFile: boolean;
  notice: string;
}

/**
 * Forms that post to an address of their own, and the page each is on. Every other form posts
 * to the address of its page (a receipt, a payment, the month close, a grant application…).
 */
const FORMS_POSTED_ELSEWHERE: [RegExp, string][] = [
  [/^(\/app\/e\/[^/]+)\/entries\/[^/]+\/(?:approve|reject)$/, '$1/approvals'],
  [/^(\/app\/e\/[^/]+)\/entries\/[^/]+\/withdraw$/, '$1/entries'],
  [/^(\/app\/e\/[^/]+)\/reports\/[^/]+\/countersign$/, '$1/countersign'],
  [/^(\/app\/g\/[^/]+\/applications\/[^/]+)\/(?:reviewers(?:\/[^/]+\/remove)?|decision|disburse|refund|close|amend)$/, '$1'],
  [/^(\/app\/review\/[^/]+)\/coi$/, '$1'],
  [/^(\/app\/review\/[^/]+)\/scores$/, '$1?step=scores'],
  [/^(\/app\/applications\/[^/]+)\/(?:submit|withdraw)$/, '$1'],
];

/** The page a form sent to `action` is on: where the user goes back to, and where it is filled in again. */
export function pageOfForm(action: string): string {
  for (const [pattern, page] of FORMS_POSTED_ELSEWHERE) if (pattern.test(action)) return action.replace(pattern, page);
  return action;
}

/** Reads a multipart form's fields and drops its file unread into memory: a lost session keeps no file. */
const fieldsOnly = multer({
  storage: {
    _handleFile(_req, file, callback) {
      file.stream.on('error', callback).on('end', () => callback(null, {})).resume();
    },
    _removeFile(_req, _file, callback) {
      callback(null);
    },
  },
  defParamCharset: 'utf8',
  limits: { files: 1, fields: 200, fieldSize: MAX_KEPT_BYTES, fileSize: 5 * 1024 * 1024 },
}).any();

/**
 * Answers every form sent under /app without a valid session: it is not acted on, what was
 * typed is kept when a page of this site sent it, and the login page leads back to the form.
 */
export function keepFormsOfLostSessions(web: Web) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST' || req.actor) return next();
    const action = req.originalUrl.split('?')[0];
    const page = pageOfForm(action);
    if (keepsFormsFrom(req, page)) {
      const sent = await bodyOf(req, res);
      if (sent) await keepForm(web, req, res, { action, page }, sent);
    }
    res.redirect(303, `/login?expired=1&next=${encodeURIComponent(page)}`);
  };
}

/**
 * Answers a form whose CSRF token is not the session's when the user is logged in: the page was
 * opened under an earlier session. Nothing is done with it. When a page of this site sent it,
 * what was typed is kept and the browser goes back to the form's page, which shows it filled in
 * with STALE_PAGE_NOTICE; true then. False when nothing was kept (another site sent it, nothing
 * was typed, too much, too many waiting), for the caller to refuse the form as before. Runs after
 * the route has read the body, a multipart one included.
 */
export async function keepFormOfStalePage(web: Web, req: Request, res: Response): Promise<boolean> {
  if (req.method !== 'POST' || !req.actor) return false;
  const action = req.originalUrl.split('?')[0];
  const page = pageOfForm(action);
  if (!keepsFormsFrom(req, page)) return false;
  const files = req.file ? [req.file] : Array.isArray(req.files) ? req.files : [];
  const kept = await keepForm(web, req, res, { action, page }, { body: (req.body ?? {}) as Record<string, unknown>, hadFile: files.length > 0 });
  if (kept) res.redirect(303, `${page}${page.includes('?') ? '&' : '?'}${STALE_MARK}`);
  return kept;
}

/** Whether a form sent to this page may be kept: a page of this site sent it, and the page is one of /app. */
function keepsFormsFrom(req: Request, page: string): boolean {
  return sentByThisSite(req) && page.startsWith('/app/') && page.length <= MAX_PATH_LENGTH;
}

/**
 * Whether a page of this site sent the form. Browsers say so in Sec-Fetch-Site (over https and
 * on localhost) or in Origin; under this site's Referrer-Policy (no-referrer) Chromium sends
 * `Origin: null` on a form post, so over plain http to another host neither says it and nothing
 * is kept. Without this check a page on another site could post a form that the user would
 * find filled in on their own screen after logging in.
 */
function sentByThisSite(req: Request): boolean {
  const site = req.get('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin';
  return req.get('origin') === `${req.protocol}://${req.get('host')}`;
}

/** Keeps what was typed, for this browser; false when nothing was worth keeping or too many forms wait. */
async function keepForm(web: Web, req: Request, res: Response, where: { action: string; page: string }, sent: { body: Record<string, unknown>; hadFile: boolean }): Promise<boolean> {
  const fields = keepable(sent.body);
  if (!fields) return false;
  // One kept form per browser: the latest.
  const previous = idHashOf(req);
  if (previous) await deleteKeptForm(web.db, previous);
  const now = web.clock.now();
  if ((await liveKeptFormCount(web.db, now)) >= MAX_KEPT_FORMS) return false;
  const id = crypto.randomBytes(24).toString('base64url');
  await insertKeptForm(web.db, { id_hash: hashOf(id), ...where, fields, had_file: sent.hadFile, expires_at: new Date(now.getTime() + KEEP_SECONDS * 1000) }, now);
  res.cookie(KEPT_FORM_COOKIE, id, cookieOptions(req, KEEP_SECONDS));
  return true;
}

/** The form's fields (a multipart body is read here: its route's own reader runs only after login); null when unreadable. */
async function bodyOf(req: Request, res: Response): Promise<{ body: Record<string, unknown>; hadFile: boolean } | null> {
  if (!req.is('multipart/form-data')) return { body: (req.body ?? {}) as Record<string, unknown>, hadFile: false };
  return new Promise((resolve) => {
    fieldsOnly(req, res, (error: unknown) => {
      const files = Array.isArray(req.files) ? req.files : [];
      resolve(error ? null : { body: (req.body ?? {}) as Record<string, unknown>, hadFile: files.length > 0 });
    });
  });
}

/**
 * The text fields worth keeping, without the CSRF token or anything named like a password;
 * null when nothing was typed (a button such as 审批通过 carries only its token) or when the
 * fields are over the limit, which no form of this site comes near.
 */
function keepable(body: Record<string, unknown>): KeptFields | null {
  const entries = Object.entries(body).filter(
    (entry): entry is [string, string | string[]] =>
      entry[0] !== CSRF_FIELD && !/pass/i.test(entry[0]) && (typeof entry[1] === 'string' || (Array.isArray(entry[1]) && entry[1].every((item) => typeof item === 'string'))),
  );
  const typed = entries.some(([name, value]) => name !== 'formKey' && [value].flat().some((item) => item.trim() !== ''));
  // fromEntries defines each name as a property of its own, "__proto__" included.
  const fields: KeptFields = Object.fromEntries(entries);
  return typed && Buffer.byteLength(JSON.stringify(fields)) <= MAX_KEPT_BYTES ? fields : null;
}

/** Whether a kept form waits for this browser: the login page says so instead of "not saved". */
export async function keptFormWaiting(web: Web, req: Request): Promise<boolean> {
  const idHash = idHashOf(req);
  return idHash !== null && (await keptFormExists(web.db, idHash, web.clock.now()));
}

/**
 * The form kept for the page this GET opens (its path and query as they were kept), taken so
 * that it is shown once; null when there is none. A page asks after its own access check, so
 * only someone who may use the page sees what was typed there, and a visit by anyone else
 * leaves it waiting.
 */
export async function takeKeptForm(web: Web, req: Request, res: Response): Promise<KeptForm | null> {
  const idHash = idHashOf(req);
  if (idHash === null || !req.actor || req.method !== 'GET') return null;
  const stale = req.originalUrl.endsWith(STALE_MARK) && /[?&]$/.test(req.originalUrl.slice(0, -STALE_MARK.length));
  const page = stale ? req.originalUrl.slice(0, -STALE_MARK.length - 1) : req.originalUrl;
  const row = await takeKeptFormRow(web.db, idHash, page, web.clock.now());
  if (!row) return null;
  res.clearCookie(KEPT_FORM_COOKIE, cookieOptions(req, 0));
  return { action: row.action, fields: row.fields, hadFile: row.had_file, notice: stale ? STALE_PAGE_NOTICE : KEPT_NOTICE };
}

function idHashOf(req: Request): string | null {
  const id = req.cookies?.[KEPT_FORM_COOKIE];
  return typeof id === 'string' && COOKIE_ID.test(id) ? hashOf(id) : null;
}

function hashOf(id: string): string {
  return crypto.createHash('sha256').update(id).digest('hex');
}
