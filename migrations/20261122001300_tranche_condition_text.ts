/**
 * A tranche's condition is the decision's own wording (the contract lists no values), not only
 * one of the three gate codes: the column keeps any non-empty text of up to 200 characters.
 * The service reads the gate from the text (a code or one of its names); other text holds no
 * money back.
 */
import { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table grant_tranches
      drop constraint grant_tranches_condition_check,
      add constraint grant_tranches_condition_check check (char_length(condition) between 1 and 200);
  `);
}

export async function down(knex: Knex): Promise<void> {
  // Not valid: tranches recorded with other wording since stay as they were agreed.
  await knex.raw(`
    alter table grant_tranches
      drop constraint grant_tranches_condition_check,
      add constraint grant_tranches_condition_check check (condition in ('on_signing','after_progress_report','after_final_report')) not valid;
  `);
}
