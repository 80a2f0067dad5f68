/**
 * Two grant money rules the service keeps, kept by the database too:
 * - a grant's postings (the foundation's disbursement, the station's mirror receipt, refunds)
 *   are never reversed on one side: the two books and the grant would disagree (the service
 *   answers 409 invalid_state; money that comes back is a refund of the grant);
 * - a round's `committed` is what its grants hold against the budget: the award of each grant
 *   not yet closed, and what each closed grant kept (disbursed − refunded), since closing gives
 *   the rest back. The column is kept (its row is the lock that serialises decisions, and its
 *   check keeps it within the budget), and checked against that sum when a transaction that
 *   touched the round or its grants commits.
 * Receipts and payments pay only the WHEN test of the first trigger.
 */
import { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function guard_grant_reversal() returns trigger language plpgsql as $$
    declare
      v_kind text;
      v_number text;
    begin
      select kind, number into v_kind, v_number from entries where id = new.reversal_of;
      if v_kind in ('grant_disbursement', 'grant_receipt', 'grant_refund') then
        perform ledger_fail('invalid_state',
          format('Entry %s was posted by a grant; reversing it alone would leave the books and the grant disagreeing. Money the grantee returns is recorded as a refund of the grant.', v_number));
      end if;
      return new;
    end $$;

    create trigger entries_grant_postings_not_reversed before insert on entries
      for each row when (new.reversal_of is not null) execute function guard_grant_reversal();

    create function check_round_committed() returns trigger language plpgsql as $$
    declare
      v_round uuid;
      v_committed numeric;
      v_held numeric;
    begin
      -- Each branch names only its own table's columns: plpgsql checks a field when it runs it.
      if tg_table_name = 'grant_rounds' then
        v_round := new.id;
      else
        v_round := new.round_id;
      end if;
      -- One statement, one snapshot: a grant of the round closed by another transaction between
      -- two reads would otherwise look like a mismatch.
      select r.committed,
             (select coalesce(sum(case when a.status = 'closed' then a.disbursed - a.refunded else a.amount_awarded end), 0)
                from grant_applications a where a.round_id = r.id and a.amount_awarded is not null)
        into v_committed, v_held
        from grant_rounds r where r.id = v_round;
      if v_committed <> v_held then
        perform ledger_fail('accounting_rule',
          format('Round %s shows %s committed, but its grants hold %s (awards of open grants, what closed grants kept).', v_round, v_committed, v_held));
      end if;
      return null;
    end $$;

    create constraint trigger grant_rounds_committed_matches after update of committed on grant_rounds
      deferrable initially deferred for each row execute function check_round_committed();
    create constraint trigger grant_applications_committed_matches after insert or update of status, amount_awarded, disbursed, refunded on grant_applications
      deferrable initially deferred for each row execute function check_round_committed();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop trigger grant_applications_committed_matches on grant_applications;
    drop trigger grant_rounds_committed_matches on grant_rounds;
    drop function check_round_committed();
    drop trigger entries_grant_postings_not_reversed on entries;
    drop function guard_grant_reversal();
  `);
}
