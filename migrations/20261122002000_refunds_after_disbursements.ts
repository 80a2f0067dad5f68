/**
 * A grant refund is dated on or after the disbursement it returns: by its date, what was
 * disbursed minus what was refunded must cover it, or the foundation's 业务活动成本 for the
 * grant dips below zero in between. The service refuses it (refund_before_disbursement); the
 * database keeps the rule too, like every money rule, with the same code and field error.
 * Refunds of one application are serialised by the service's lock on the application row.
 */
import { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function guard_refund_date() returns trigger language plpgsql as $$
    declare
      v_held numeric;
    begin
      select coalesce((select sum(amount) from grant_disbursements where application_id = new.application_id and date <= new.date), 0)
           - coalesce((select sum(amount) from grant_refunds where application_id = new.application_id and date <= new.date), 0)
        into v_held;
      if new.amount > v_held then
        perform ledger_fail('refund_before_disbursement',
          format('By %s only %s had been disbursed and not refunded; date the refund on or after the disbursement it returns.',
                 new.date, to_char(greatest(v_held, 0), 'FM999999999999999990.00')),
          jsonb_build_object('extra', jsonb_build_object('refundableOn', to_char(greatest(v_held, 0), 'FM999999999999999990.00')),
            'errors', jsonb_build_array(jsonb_build_object('path', 'body.date', 'message', 'before the money was disbursed'))));
      end if;
      return new;
    end $$;

    create trigger grant_refunds_after_disbursements before insert on grant_refunds
      for each row execute function guard_refund_date();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop trigger grant_refunds_after_disbursements on grant_refunds;
    drop function guard_refund_date();
  `);
}
