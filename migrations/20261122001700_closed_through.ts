/**
 * A closed month freezes everything before it too. Until now closing a month forbade entries
 * dated in that month only, so with May closed (and published) a payment dated in April, still
 * open, changed May's opening balance: the trial balance at the end of May moved and May's frozen
 * report failed its own verification. Two black-box testers found it independently.
 *
 * Now the books are closed through the latest closed month: an entry (posted, approved, or made
 * to wait for approval, which could then never be approved) dated on or before its end is refused, as is a reconciliation, with `period_closed` naming that month.
 * Months before it may still be closed afterwards (a quarter's report needs all three closed); it
 * changes nothing they hold. One entry is exempt: the year-end close (结转), which closing a
 * December posts on the 31st, is refused only when that December itself is closed. It moves
 * revenue and expense into net assets within each fund, so no monetary account, fund balance or
 * later report changes with it.
 *
 * `ledger_post` keeps its own check of the entry's month (migration 001500); the statement
 * triggers below are what every writer passes, so they carry the wider rule.
 */
import { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- "The period 2026-04 is closed; …" or, when a later month closed it, "… the books are
    -- closed through 2026-05 …", so the treasurer sees which close froze the date.
    create function closed_message(p_month text, p_closed_through text, p_action text) returns text
    language sql immutable as $$
      select case when p_month = p_closed_through
                  then format('The period %s is closed; %s in an open month.', p_month, p_action)
                  else format('The books are closed through %s (closing a month freezes every month before it), so %s is closed too; %s after %s.',
                              p_closed_through, p_month, p_action, p_closed_through) end
    $$;

    create or replace function guard_closed_periods() returns trigger language plpgsql as $$
    declare
      hit record;
    begin
      select to_char(written.date, 'YYYY-MM') as month, closed.period as closed_through into hit
        from written
        cross join lateral (
          select p.period from periods p
           where p.entity_id = written.entity_id
             and case when written.kind = 'year_end_close' then p.period = to_char(written.date, 'YYYY-MM')
                      else p.period >= to_char(written.date, 'YYYY-MM') end
           order by p.period desc
           limit 1) closed
       where written.status in ('posted', 'pending_approval')
       limit 1;
      if found then
        perform ledger_fail('period_closed', closed_message(hit.month, hit.closed_through, 'date the entry'),
          jsonb_build_object('extra', jsonb_build_object('closedThrough', hit.closed_through),
            'errors', jsonb_build_array(jsonb_build_object('path', 'body.date', 'message', 'in a closed period'))));
      end if;
      return null;
    end $$;

    create or replace function guard_reconciliation_period() returns trigger language plpgsql as $$
    declare
      v_closed text;
    begin
      select period into v_closed from periods
       where entity_id = new.entity_id and period >= to_char(new.date, 'YYYY-MM')
       order by period desc limit 1;
      if found then
        perform ledger_fail('period_closed', closed_message(to_char(new.date, 'YYYY-MM'), v_closed, 'record the count on a day'),
          jsonb_build_object('extra', jsonb_build_object('closedThrough', v_closed),
            'errors', jsonb_build_array(jsonb_build_object('path', 'body.date', 'message', 'in a closed period'))));
      end if;
      return new;
    end $$;

  `);
}

export async function down(): Promise<void> {
  throw new Error('the earlier definitions live in migrations 001200 and 001600; restore them from there if ever needed');
}
