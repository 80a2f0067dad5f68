/**
 * Users and role grants. The connection or transaction is always the first argument.
 */
import type { Queryable } from '../db/knex';
import type { Actor, Role, RoleGrant } from './actor';

export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  created_at: Date;
  deleted_at: Date | null;
}

export async function findUserByUsername(db: Queryable, username: string): Promise<UserRow | undefined> {
  return db<UserRow>('users').whereRaw('lower(username) = lower(?)', [username]).whereNull('deleted_at').first();
}

export async function findUserById(db: Queryable, id: string): Promise<UserRow | undefined> {
  return db<UserRow>('users').where({ id }).whereNull('deleted_at').first();
}

/** The live user and their roles in one round trip, or undefined for a deleted or unknown user. */
export async function loadActor(db: Queryable, userId: string): Promise<Actor | undefined> {
  const result = await db.raw(
    `select u.id, u.username, u.display_name,
            coalesce(json_agg(json_build_object('role', r.role, 'entityId', r.entity_id)) filter (where r.id is not null), '[]') as roles
       from users u left join user_roles r on r.user_id = u.id
      where u.id = ? and u.deleted_at is null
      group by u.id`,
    [userId],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  return { userId: row.id, username: row.username, displayName: row.display_name, roles: row.roles as RoleGrant[] };
}

export async function insertUser(
  db: Queryable,
  user: { username: string; displayName: string; passwordHash: string },
): Promise<UserRow> {
  const [row] = await db<UserRow>('users')
    .insert({ username: user.username, display_name: user.displayName, password_hash: user.passwordHash })
    .returning('*');
  return row;
}

export async function insertRoles(db: Queryable, userId: string, roles: { role: Role; entityId: string | null }[]): Promise<void> {
  if (roles.length === 0) return;
  await db('user_roles')
    .insert(roles.map((grant) => ({ user_id: userId, role: grant.role, entity_id: grant.entityId })))
    .onConflict()
    .ignore();
}

export async function listRoles(db: Queryable, userId: string): Promise<RoleGrant[]> {
  const rows = await db('user_roles').where({ user_id: userId }).orderBy('id');
  return rows.map((row: { role: Role; entity_id: string | null }) => ({ role: row.role, entityId: row.entity_id }));
}

export async function adminExists(db: Queryable): Promise<boolean> {
  const row = await db('user_roles as r')
    .join('users as u', 'u.id', 'r.user_id')
    .where('r.role', 'admin')
    .whereNull('u.deleted_at')
    .first('r.id');
  return Boolean(row);
}

export async function markUserDeleted(db: Queryable, userId: string): Promise<boolean> {
  const count = await db('users').where({ id: userId }).whereNull('deleted_at').update({ deleted_at: db.fn.now() });
  return count > 0;
}

export async function listUsers(db: Queryable, options: { limit: number; after?: string }): Promise<UserRow[]> {
  const query = db<UserRow>('users').whereNull('deleted_at').orderBy('id').limit(options.limit + 1);
  if (options.after) query.where('id', '>', options.after);
  return query;
}
