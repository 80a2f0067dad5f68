/**
 * Two rules the service checks are now kept by the database too, like every other rule of the
 * books, so a writer that skips the service cannot break them:
 * - a reversal is dated on or after the entry it corrects (a row trigger that fires only for
 *   rows naming an entry they reverse, so receipts and payments pay nothing for it);
 * - a reconciliation is not recorded in a closed month (it prints in that month's frozen
 *   reports).
 * Both refuse through ledger_fail, with the same codes and field errors as the service.
 */
import { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function guard_reversal_date() returns trigger language plpgsql as $$
    declare
      v_original date;
    begin
      select date into v_original from entries where id = new.reversal_of;
      if new.date < v_original then
        perform ledger_fail('reversal_before_original', format('A reversal is dated on or after the entry it corrects (%s).', v_original),
          jsonb_build_object('errors', jsonb_build_array(jsonb_build_object('path', 'body.date', 'message', format('before %s', v_original)))));
      end if;
      return new;
    end $$;

    create trigger entries_reversal_date before insert on entries
      for each row when (new.reversal_of is not null) execute function guard_reversal_date();

    create function guard_reconciliation_period() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from periods where entity_id = new.entity_id and period = to_char(new.date, 'YYYY-MM')) then
        perform ledger_fail('period_closed', format('The period %s is closed; record the count on a day of an open month.', to_char(new.date, 'YYYY-MM')),
          jsonb_build_object('errors', jsonb_build_array(jsonb_build_object('path', 'body.date', 'message', 'in a closed period'))));
      end if;
      return new;
    end $$;

    create trigger reconciliations_closed_period before insert on reconciliations
      for each row execute function guard_reconciliation_period();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop trigger reconciliations_closed_period on reconciliations;
    drop function guard_reconciliation_period();
    drop trigger entries_reversal_date on entries;
    drop function guard_reversal_date();
  `);
}
