/**
 * Amendments of awarded grants. An amendment re-splits or re-conditions the tranches not yet
 * paid and may move the end date of the grant's project; the award amount never changes.
 * Each amendment keeps the tranche list before and after it (money as strings in jsonb, never
 * numeric[]), and the application's history gets a row of kind `amendment` whose status does
 * not move (from = to).
 */
import { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table grant_amendments (
      id uuid primary key default gen_random_uuid(),
      seq bigserial not null unique,
      application_id uuid not null references grant_applications(id),
      note text not null check (length(note) between 1 and 1000),
      previous_tranches jsonb not null,
      tranches jsonb not null,
      previous_ends_on date,
      ends_on date,
      created_by uuid not null references users(id),
      at timestamptz not null
    );
    create index grant_amendments_application on grant_amendments (application_id, seq);

    alter table grant_history
      add column kind text not null default 'transition' check (kind in ('transition', 'amendment')),
      add check (kind = 'transition' or from_status = to_status);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table grant_history drop column kind;
    drop table if exists grant_amendments;
  `);
}
