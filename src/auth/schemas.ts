/**
 * Commands of the auth domain, validated at the edge.
 */
import { z } from '../shared/zod';
import { ROLES } from './actor';

export const LoginCommand = z
  .object({
    username: z.string().min(1).max(100),
    password: z.string().min(1).max(200),
  })
  .openapi('LoginCommand');
export type LoginCommand = z.infer<typeof LoginCommand>;

export const RoleGrantInput = z.object({
  role: z.enum(ROLES as [string, ...string[]]),
  entityId: z.uuid().nullable().optional(),
});

const USERNAME = /^[\p{L}\p{N}_.@-]+$/u;

export const CreateUserCommand = z
  .object({
    username: z
      .string()
      .min(2)
      .max(50)
      .regex(USERNAME, 'letters, digits, dot, @, dash and underscore')
      // JSON Schema patterns are read in Unicode mode without flags; the regex's own `/u` would end up in the text.
      .openapi({ pattern: USERNAME.source }),
    password: z.string().min(8, 'at least 8 characters').max(200),
    displayName: z.string().trim().min(1).max(100),
    roles: z.array(RoleGrantInput).max(50).default([]),
  })
  .strict()
  .openapi('CreateUserCommand');
export type CreateUserCommand = z.infer<typeof CreateUserCommand>;

export const AssignRolesCommand = z.object({ roles: z.array(RoleGrantInput).min(1).max(50) }).strict();
export type AssignRolesCommand = z.infer<typeof AssignRolesCommand>;
