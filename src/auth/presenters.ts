/**
 * The wire shape of users, written by hand: rows may change, the wire is a promise.
 */
import type { RoleGrant } from './actor';
import type { UserRow } from './queries';

export interface UserView {
  id: string;
  username: string;
  displayName: string;
  roles: RoleGrant[];
  createdAt: string;
}

export function presentUser(row: UserRow, roles: RoleGrant[]): UserView {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    roles,
    createdAt: new Date(row.created_at).toISOString(),
  };
}
