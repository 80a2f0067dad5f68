/**
 * A restricted fund could pay out money it never had (an acceptance tester found it): the
 * overdraft check measured a restricted fund by its net assets only, so a journal entry in the
 * fund's name moving bank money into a prepayment, a loan or a payable (Dr 1141 / Cr 1002) left
 * its net assets unchanged and was accepted, taking the fund's own money to −8,900.00 while it
 * held 100.00; unrestricted money had been paid out under the restriction's name. DOMAIN.md:
 * "each restricted fund never go[es] negative: a payment that would overdraw [it] is refused".
 *
 * Now a restricted fund's money, its lines on monetary accounts (1001, 1002, 1009 and their
 * sub-accounts) taken together, never goes below zero on any day from the entry's date on,
 * like a money account's own balance. Within the fund, cash and bank may still be moved between
 * (paying cash into the bank nets to zero). Entries that only bring money in (the batched
 * receipts) are not touched by this check: only a credit to a monetary account can fail it.
 *
 * ledger_check_overdraft is redefined whole (from migration 002400) with the third check added;
 * migrations are history, and a new definition has to stand on its own.
 */
import { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function ledger_check_overdraft(v_entity uuid, p_lines jsonb, p_date date) returns void language plpgsql as $$
    declare
      v_bad record;
    begin
      -- Cash, bank and other monetary accounts never go below zero, on any day from p_date on.
      select e.code, a.name, b.available, b.later, e.effect into v_bad
        from (select l.value->>'accountCode' as code,
                     sum(coalesce((l.value->>'debit')::numeric, 0) - coalesce((l.value->>'credit')::numeric, 0)) as effect
                from jsonb_array_elements(p_lines) l
                join accounts a on a.entity_id = v_entity and a.code = l.value->>'accountCode' and a.monetary
               group by 1
              having sum(coalesce((l.value->>'debit')::numeric, 0) - coalesce((l.value->>'credit')::numeric, 0)) < 0) e
        join accounts a on a.entity_id = v_entity and a.code = e.code
        cross join lateral (
          select least(r.at_date, coalesce(r.lowest_after, r.at_date)) as available, coalesce(r.lowest_after < r.at_date, false) as later
            from (select coalesce(sum(x.net) filter (where x.day <= p_date), 0) as at_date, min(x.running) filter (where x.day > p_date) as lowest_after
                    from (select d.day, d.debit - d.credit as net, sum(d.debit - d.credit) over (order by d.day) as running
                            from daily_balances d where d.entity_id = v_entity and d.account_code = e.code) x) r) b
       where b.available + e.effect < 0
       order by e.code
       limit 1;
      if found then
        perform ledger_fail('insufficient_funds',
          format('Not enough money in %s %s: %s available%s, %s needed.', v_bad.code, v_bad.name,
                 round(v_bad.available, 2)::text,
                 case when v_bad.later then format(' (the lowest balance from %s on)', p_date) else '' end,
                 round(-v_bad.effect, 2)::text),
          jsonb_build_object('extra', jsonb_build_object('accountCode', v_bad.code, 'available', round(v_bad.available, 2)::text)
                                      || case when v_bad.later then jsonb_build_object('lowestFrom', p_date) else '{}'::jsonb end));
      end if;
      -- Each restricted fund's net assets never go below zero, on any day from p_date on.
      select e.code, b.available, b.later, e.effect into v_bad
        from (select l.value->>'fundCode' as code,
                     sum(coalesce((l.value->>'credit')::numeric, 0) - coalesce((l.value->>'debit')::numeric, 0)) as effect
                from jsonb_array_elements(p_lines) l
                join accounts a on a.entity_id = v_entity and a.code = l.value->>'accountCode' and a.type in ('net_assets','revenue','expense')
                join funds f on f.entity_id = v_entity and f.code = l.value->>'fundCode' and f.restricted
               group by 1
              having sum(coalesce((l.value->>'credit')::numeric, 0) - coalesce((l.value->>'debit')::numeric, 0)) < 0) e
        cross join lateral (
          select least(r.at_date, coalesce(r.lowest_after, r.at_date)) as available, coalesce(r.lowest_after < r.at_date, false) as later
            from (select coalesce(sum(x.net) filter (where x.day <= p_date), 0) as at_date, min(x.running) filter (where x.day > p_date) as lowest_after
                    from (select d.day, d.credit - d.debit as net, sum(d.credit - d.debit) over (order by d.day) as running
                            from daily_balances d join accounts a2 on a2.entity_id = d.entity_id and a2.code = d.account_code
                           where d.entity_id = v_entity and d.fund_code = e.code and a2.type in ('net_assets','revenue','expense')) x) r) b
       where b.available + e.effect < 0
       order by e.code
       limit 1;
      if found then
        perform ledger_fail('insufficient_funds',
          format('The restricted fund %s holds %s%s; it cannot pay %s.', v_bad.code,
                 round(v_bad.available, 2)::text,
                 case when v_bad.later then format(' (the lowest from %s on)', p_date) else '' end,
                 round(-v_bad.effect, 2)::text),
          jsonb_build_object('extra', jsonb_build_object('fundCode', v_bad.code, 'available', round(v_bad.available, 2)::text)
                                      || case when v_bad.later then jsonb_build_object('lowestFrom', p_date) else '{}'::jsonb end));
      end if;
      -- Each restricted fund's money (its lines on cash, bank and other monetary accounts) never
      -- goes below zero, on any day from p_date on: its net assets alone would let it pay out
      -- money it never received, into a receivable, a prepayment or a payable.
      select e.code, b.available, b.later, e.effect into v_bad
        from (select l.value->>'fundCode' as code,
                     sum(coalesce((l.value->>'debit')::numeric, 0) - coalesce((l.value->>'credit')::numeric, 0)) as effect
                from jsonb_array_elements(p_lines) l
                join accounts a on a.entity_id = v_entity and a.code = l.value->>'accountCode' and a.monetary
                join funds f on f.entity_id = v_entity and f.code = l.value->>'fundCode' and f.restricted
               group by 1
              having sum(coalesce((l.value->>'debit')::numeric, 0) - coalesce((l.value->>'credit')::numeric, 0)) < 0) e
        cross join lateral (
          select least(r.at_date, coalesce(r.lowest_after, r.at_date)) as available, coalesce(r.lowest_after < r.at_date, false) as later
            from (select coalesce(sum(x.net) filter (where x.day <= p_date), 0) as at_date, min(x.running) filter (where x.day > p_date) as lowest_after
                    from (select d.day, sum(d.debit - d.credit) as net, sum(sum(d.debit - d.credit)) over (order by d.day) as running
                            from daily_balances d join accounts a2 on a2.entity_id = d.entity_id and a2.code = d.account_code and a2.monetary
                           where d.entity_id = v_entity and d.fund_code = e.code
                           group by d.day) x) r) b
       where b.available + e.effect < 0
       order by e.code
       limit 1;
      if found then
        perform ledger_fail('insufficient_funds',
          format('The restricted fund %s has %s of money (cash, bank and other monetary accounts)%s; it cannot pay out %s.', v_bad.code,
                 round(v_bad.available, 2)::text,
                 case when v_bad.later then format(' (the lowest from %s on)', p_date) else '' end,
                 round(-v_bad.effect, 2)::text),
          jsonb_build_object('extra', jsonb_build_object('fundCode', v_bad.code, 'available', round(v_bad.available, 2)::text)
                                      || case when v_bad.later then jsonb_build_object('lowestFrom', p_date) else '{}'::jsonb end));
      end if;
    end $$;
  `);
}

export async function down(): Promise<void> {
  throw new Error('the earlier definition of ledger_check_overdraft lives in migration 002400; restore it from there if ever needed');
}
