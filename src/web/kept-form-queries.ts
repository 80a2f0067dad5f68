/**
 * The kept_forms table: forms typed before a lost session, each found by the hash of its
 * cookie's id. Times come from the caller's clock, so expiry is tested without waiting. A row
 * is taken (read and deleted) in one statement, so it is shown at most once.
 */
import type { Knex } from 'knex';

export type KeptFields = Record<string, string | string[]>;

export interface KeptFormRow {
  id_hash: string;
  page: string;
  action: string;
  fields: KeptFields;
  had_file: boolean;
  expires_at: Date;
}

/** Keeps a form; rows past their time go at the same moment, so the table stays small. */
export async function insertKeptForm(db: Knex, row: KeptFormRow, now: Date): Promise<void> {
  await db('kept_forms').where('expires_at', '<=', now).delete();
  await db('kept_forms').insert({ ...row, fields: JSON.stringify(row.fields) });
}

/** How many kept forms are still within their time. */
export async function liveKeptFormCount(db: Knex, now: Date): Promise<number> {
  const row = await db('kept_forms').where('expires_at', '>', now).count<{ count: string }[]>({ count: '*' }).first();
  return Number.parseInt(row?.count ?? '0', 10);
}

export async function deleteKeptForm(db: Knex, idHash: string): Promise<void> {
  await db('kept_forms').where({ id_hash: idHash }).delete();
}

export async function keptFormExists(db: Knex, idHash: string, now: Date): Promise<boolean> {
  return (await db('kept_forms').where({ id_hash: idHash }).where('expires_at', '>', now).first('id_hash')) !== undefined;
}

/** The form kept for this page, deleted as it is read; undefined when none is, or it is past its time. */
export async function takeKeptForm(db: Knex, idHash: string, page: string, now: Date): Promise<KeptFormRow | undefined> {
  const rows: KeptFormRow[] = await db('kept_forms').where({ id_hash: idHash, page }).where('expires_at', '>', now).delete().returning('*');
  return rows[0];
}
