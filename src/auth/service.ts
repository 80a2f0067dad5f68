/**
 * Use cases of identity: log in, create users, assign roles, bootstrap the first admin.
 * It never reveals whether a username exists.
 */
import type { Knex } from 'knex';
import { DomainError } from '../shared/errors';
import { cursorOf, invalidCursor, keyOfCursor } from '../shared/paging';
import { withTransaction } from '../db/transaction';
import { Actor, GLOBAL_ROLES, Role, isAdmin } from './actor';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './passwords';
import * as queries from './queries';
import { presentUser, UserView } from './presenters';
import type { AssignRolesCommand, CreateUserCommand, LoginCommand } from './schemas';
import { signToken } from './tokens';
import { UUID_PATTERN as UUID } from '../shared/schemas';

/**
 * The live user and roles behind a token, kept for a second per database handle: a request
 * then costs no extra round trip for who is asking. Deleting a user or granting roles through
 * this service forgets the entry at once; a change made behind the service (or in another
 * process) takes effect within ACTOR_TTL_MS.
 */
const ACTOR_TTL_MS = 1000;
const actorCache = new WeakMap<object, Map<string, { actor: Actor | undefined; until: number }>>();

export async function currentActor(db: Knex, userId: string): Promise<Actor | undefined> {
  let perDb = actorCache.get(db);
  if (!perDb) actorCache.set(db, (perDb = new Map()));
  const cached = perDb.get(userId);
  const now = Date.now();
  if (cached && cached.until > now) return cached.actor;
  const actor = await queries.loadActor(db, userId);
  if (perDb.size > 10_000) perDb.clear();
  perDb.set(userId, { actor, until: now + ACTOR_TTL_MS });
  return actor;
}

function forgetActor(db: Knex, userId: string): void {
  actorCache.get(db)?.delete(userId);
}

export async function login(db: Knex, secret: string, command: LoginCommand): Promise<{ token: string; user: UserView }> {
  const user = await queries.findUserByUsername(db, command.username);
  const ok = user ? await verifyPassword(user.password_hash, command.password) : await verifyAgainstDummy(command.password);
  if (!user || !ok) throw new DomainError('invalid_credentials', 'Wrong username or password.');
  const roles = await queries.listRoles(db, user.id);
  return { token: signToken(secret, user.id), user: presentUser(user, roles) };
}

export async function me(db: Knex, actor: Actor): Promise<UserView> {
  const user = await queries.findUserById(db, actor.userId);
  if (!user) throw new DomainError('unauthenticated', 'The user no longer exists.');
  return presentUser(user, actor.roles);
}

function requireAdmin(actor: Actor): void {
  if (!isAdmin(actor)) throw new DomainError('forbidden', 'Only an admin may manage users.');
}

async function checkGrants(tx: Knex.Transaction, roles: { role: string; entityId?: string | null }[]) {
  const grants = roles.map((grant, index) => {
    const role = grant.role as Role;
    const global = GLOBAL_ROLES.includes(role);
    const entityId = grant.entityId ?? null;
    if (global && entityId) {
      throw new DomainError('invalid_request', `The role ${role} is global and takes no entityId.`, {
        errors: [{ path: `body.roles.${index}.entityId`, message: 'must be null for a global role' }],
      });
    }
    if (!global && !entityId) {
      throw new DomainError('invalid_request', `The role ${role} belongs to one entity: give its entityId.`, {
        errors: [{ path: `body.roles.${index}.entityId`, message: 'required for this role' }],
      });
    }
    return { role, entityId };
  });
  const entityIds = [...new Set(grants.map((grant) => grant.entityId).filter((id): id is string => id !== null))];
  if (entityIds.length > 0) {
    const rows: { id: string; kind: string }[] = await tx('entities').whereIn('id', entityIds).select('id', 'kind');
    const kinds = new Map(rows.map((row) => [row.id, row.kind]));
    grants.forEach((grant, index) => {
      if (!grant.entityId) return;
      const kind = kinds.get(grant.entityId);
      if (!kind) {
        throw new DomainError('invalid_request', 'The entity of a role does not exist.', {
          errors: [{ path: `body.roles.${index}.entityId`, message: 'unknown entity' }],
        });
      }
      if ((grant.role === 'grant_manager' || grant.role === 'reviewer') && kind !== 'foundation') {
        throw new DomainError('invalid_request', `The role ${grant.role} belongs to a foundation.`, {
          errors: [{ path: `body.roles.${index}.entityId`, message: 'must be a foundation' }],
        });
      }
    });
  }
  return grants;
}

export async function createUser(db: Knex, actor: Actor, command: CreateUserCommand): Promise<UserView> {
  requireAdmin(actor);
  const passwordHash = await hashPassword(command.password);
  return withTransaction(db, 'read committed', async (tx) => {
    const grants = await checkGrants(tx, command.roles);
    const existing = await queries.findUserByUsername(tx, command.username);
    if (existing) throw new DomainError('duplicate', 'That username is taken.', { errors: [{ path: 'body.username', message: 'taken' }] });
    const user = await queries.insertUser(tx, { username: command.username, displayName: command.displayName, passwordHash });
    await queries.insertRoles(tx, user.id, grants);
    return presentUser(user, await queries.listRoles(tx, user.id));
  });
}

export async function assignRoles(db: Knex, actor: Actor, userId: string, command: AssignRolesCommand): Promise<UserView> {
  requireAdmin(actor);
  const view = await withTransaction(db, 'read committed', async (tx) => {
    const user = await queries.findUserById(tx, userId);
    if (!user) throw new DomainError('not_found', 'User not found.');
    await queries.insertRoles(tx, user.id, await checkGrants(tx, command.roles));
    return presentUser(user, await queries.listRoles(tx, user.id));
  });
  // After the commit, so no request can cache the roles as they were before it.
  forgetActor(db, userId);
  return view;
}

export async function deleteUser(db: Knex, actor: Actor, userId: string): Promise<void> {
  requireAdmin(actor);
  if (userId === actor.userId) throw new DomainError('invalid_state', 'An admin cannot delete their own account.');
  const deleted = await queries.markUserDeleted(db, userId);
  forgetActor(db, userId);
  if (!deleted) throw new DomainError('not_found', 'User not found.');
}

export async function listUsers(db: Knex, actor: Actor, options: { limit: number; cursor?: string }) {
  requireAdmin(actor);
  // Opaque like every other list's cursor: the last user id sent, in base64url.
  const after = options.cursor === undefined ? undefined : keyOfCursor(options.cursor);
  if (after !== undefined && !UUID.test(after)) throw invalidCursor();
  const rows = await queries.listUsers(db, { limit: options.limit, after });
  const page = rows.slice(0, options.limit);
  const items = await Promise.all(page.map(async (row) => presentUser(row, await queries.listRoles(db, row.id))));
  return { items, nextCursor: rows.length > options.limit ? cursorOf(page[page.length - 1].id) : null };
}

/** On start: create `admin` with ADMIN_PASSWORD when no admin exists yet. */
export async function bootstrapAdmin(db: Knex, password: string): Promise<boolean> {
  if (await queries.adminExists(db)) return false;
  const passwordHash = await hashPassword(password);
  return withTransaction(db, 'read committed', async (tx) => {
    if (await queries.adminExists(tx)) return false;
    const existing = await queries.findUserByUsername(tx, 'admin');
    const user = existing ?? (await queries.insertUser(tx, { username: 'admin', displayName: '系统管理员', passwordHash }));
    await queries.insertRoles(tx, user.id, [{ role: 'admin', entityId: null }]);
    return true;
  });
}
