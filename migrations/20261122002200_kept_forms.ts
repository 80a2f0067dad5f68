/**
 * Forms kept across a lost web session (src/web/kept-forms.ts): what a user typed into a form
 * sent after their session ended, kept for 30 minutes so the page can show it again once they
 * have logged in. A row is found by the SHA-256 of the random id in the browser's cookie (the
 * id itself is never stored) and is deleted when it is shown. The fields are small: the service
 * keeps none over 16 KB of JSON, and the check below refuses twice that (jsonb's text form adds a
 * space after every colon and comma, so it is longer than what the service measured).
 */
import { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table kept_forms (
      id_hash text primary key check (id_hash ~ '^[0-9a-f]{64}$'),
      page text not null check (page like '/app/%'),
      action text not null check (action like '/app/%'),
      fields jsonb not null check (jsonb_typeof(fields) = 'object' and octet_length(fields::text) <= 32768),
      had_file boolean not null default false,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null
    );
    create index kept_forms_expires_at on kept_forms (expires_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table kept_forms');
}
