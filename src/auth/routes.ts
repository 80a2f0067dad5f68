/**
 * HTTP routes of identity: login (rate-limited), the current user, user administration.
 * The login limit counts failed attempts only: it is there to slow password guessing, and a
 * client that logs in correctly many times a minute guesses nothing.
 */
import rateLimit, { ipKeyGenerator } from 'express-rate-limit';
import type { Knex } from 'knex';
import { z } from 'zod';
import { defineRoute, RouteTarget } from '../http/route';
import { problemOf, sendProblem } from '../http/problem';
import { Pagination, Uuid } from '../shared/schemas';
import * as service from './service';
import { AssignRolesCommand, CreateUserCommand, LoginCommand } from './schemas';
import { LoginView, UserList, UserView } from './responses';

export function authRoutes(target: RouteTarget, deps: { db: Knex; jwtSecret: string; loginRateLimit: number }): void {
  const { db, jwtSecret } = deps;
  const tags = ['auth'];

  target.router.post(
    '/api/auth/login',
    rateLimit({
      windowMs: 60_000,
      limit: deps.loginRateLimit,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      skipSuccessfulRequests: true,
      keyGenerator: (req) => `${ipKeyGenerator(req.ip ?? '')}|${String(req.body?.username ?? '').toLowerCase().slice(0, 100)}`,
      handler: (_req, res) => sendProblem(res, problemOf('too_many_requests', 'Too many login attempts; wait a minute and try again.')),
    }),
  );
  defineRoute(target, { method: 'post', path: '/api/auth/login', summary: 'Log in; returns a JWT', tags, auth: false, body: LoginCommand, response: LoginView }, ({ body }) =>
    service.login(db, jwtSecret, body),
  );
  defineRoute(target, { method: 'get', path: '/api/me', summary: 'The current user with roles', tags, auth: true, response: UserView }, ({ actor }) => service.me(db, actor));
  defineRoute(target, { method: 'post', path: '/api/users', summary: 'Create a user (admin)', tags, auth: true, body: CreateUserCommand, status: 201, response: UserView }, ({ actor, body }) =>
    service.createUser(db, actor, body),
  );
  defineRoute(target, { method: 'get', path: '/api/users', summary: 'List users (admin)', tags, auth: true, query: Pagination, response: UserList }, ({ actor, query }) =>
    service.listUsers(db, actor, query),
  );
  defineRoute(target, { method: 'post', path: '/api/users/:id/roles', summary: 'Grant roles (admin)', tags, auth: true, params: z.object({ id: Uuid }), body: AssignRolesCommand, response: UserView }, ({ actor, params, body }) =>
    service.assignRoles(db, actor, params.id, body),
  );
  defineRoute(target, { method: 'delete', path: '/api/users/:id', summary: 'Delete a user (admin); their tokens stop working', tags, auth: true, params: z.object({ id: Uuid }), status: 204 }, async ({ actor, params, res }) => {
    await service.deleteUser(db, actor, params.id);
    res.status(204).end();
  });
}
