/**
 * What the identity routes answer, as the presenters write it; declared in the OpenAPI
 * document and, under test, checked against every answer.
 */
import { z } from '../shared/zod';
import { Id, ListPage, Timestamp } from '../shared/schemas';
import { ROLES } from './actor';

export const UserView = z
  .object({
    id: Id,
    username: z.string(),
    displayName: z.string(),
    roles: z.array(z.object({ role: z.enum(ROLES as [string, ...string[]]), entityId: Id.nullable() })),
    createdAt: Timestamp,
  })
  .openapi('User');

export const LoginView = z.object({ token: z.string(), user: UserView }).openapi('Login');

export const UserList = ListPage(UserView);
