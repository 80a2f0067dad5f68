/**
 * An entry that waits for approval is checked for money when it is made, not only when it is
 * approved. A ¥99,999 cash payment with ¥6,900 in the till used to wait in the supervisor's
 * queue although it could never be approved, and kept its month from closing until someone
 * rejected it (acceptance pass of the web pages). DOMAIN.md: a payment that would overdraw cash,
 * bank, other monetary funds or a restricted fund is refused. The approval checks again, on the
 * books as they are then.
 *
 * A row trigger on the pending rows only (`ledger_post` writes them; posted rows are checked
 * before their insert), with the same check and the same `insufficient_funds` problem.
 */
import { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function guard_pending_funds() returns trigger language plpgsql as $$
    begin
      perform ledger_check_overdraft(new.entity_id, new.pending_lines, new.date);
      return new;
    end $$;

    create trigger entries_pending_funds before insert on entries
      for each row when (new.status = 'pending_approval') execute function guard_pending_funds();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop trigger entries_pending_funds on entries;
    drop function guard_pending_funds();
  `);
}
