/**
 * Who is asking, and what they may do. Roles are scoped: admin and applicant are global, the
 * others belong to one entity. Outside its scope a user gets 404 (the thing does not exist for
 * them); inside it, a role that may not act gets 403.
 */
import { DomainError } from '../shared/errors';

export type Role = 'admin' | 'treasurer' | 'supervisor' | 'grant_manager' | 'reviewer' | 'applicant';
export const ROLES: Role[] = ['admin', 'treasurer', 'supervisor', 'grant_manager', 'reviewer', 'applicant'];
export const GLOBAL_ROLES: Role[] = ['admin', 'applicant'];

export interface RoleGrant {
  role: Role;
  entityId: string | null;
}

export interface Actor {
  userId: string;
  username: string;
  displayName: string;
  roles: RoleGrant[];
}

declare module 'express-serve-static-core' {
  interface Request {
    actor?: Actor;
    id?: string;
  }
}

export function hasRole(actor: Actor | undefined, role: Role, entityId?: string): boolean {
  if (!actor) return false;
  return actor.roles.some((grant) => grant.role === role && (grant.entityId === null || grant.entityId === entityId));
}

export function isAdmin(actor: Actor | undefined): boolean {
  return hasRole(actor, 'admin');
}

/** Any role on this entity (admins see every entity). */
export function canSeeEntity(actor: Actor | undefined, entityId: string): boolean {
  if (!actor) return false;
  return isAdmin(actor) || actor.roles.some((grant) => grant.entityId === entityId);
}

/** 404 outside the caller's scope, 403 inside it without one of the roles. */
export function requireEntityRole(actor: Actor, entityId: string, roles: Role[]): void {
  if (roles.some((role) => hasRole(actor, role, entityId))) return;
  if (!canSeeEntity(actor, entityId) && !actor.roles.some((grant) => grant.entityId === null)) {
    throw new DomainError('not_found', 'Entity not found.');
  }
  throw new DomainError('forbidden', `This action needs one of the roles: ${roles.join(', ')}.`);
}

/** Reading an entity's books: any of its roles, or an admin. */
export function requireEntityReader(actor: Actor, entityId: string): void {
  if (canSeeEntity(actor, entityId)) return;
  if (actor.roles.some((grant) => grant.entityId === null)) {
    throw new DomainError('forbidden', 'You have no role on this entity.');
  }
  throw new DomainError('not_found', 'Entity not found.');
}
