/**
 * The disclosure calendar asks, for each project, the first and last day its money moved: a
 * project's final report must cover a bill paid after its planned end. A partial index on the
 * lines that name a project answers that with two index probes per project instead of reading
 * every line of the entity (a public page shows the calendar). Lines without a project, most
 * of a book, are not in it, so a posting costs an extra index insertion only for project lines.
 */
import { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create index entry_lines_project_date on entry_lines (entity_id, project_id, date) where project_id is not null`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop index entry_lines_project_date`);
}
