/**
 * The overdraft refusal printed "##################.## needed" for a sum past 18 integer digits
 * (four lines of 999999999999999999.99: the status and the refusal were right, the text was
 * not; an acceptance tester found it): to_char with a fixed mask overflows. The amounts are now
 * printed with round(x, 2)::text, which has no width limit and still prints two decimals.
 *
 * ledger_check_overdraft is redefined whole (copied from migration 001500) with only its
 * number formatting changed; migrations are history, and a new definition has to stand on its own.
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
    end $$;
  `);
}

export async function down(): Promise<void> {
  throw new Error('the earlier definition of ledger_check_overdraft lives in migration 001500; restore it from there if ever needed');
}
