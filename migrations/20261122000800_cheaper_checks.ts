/**
 * Cheaper checks on the posting path, same rules:
 * - the deferred balance check reads an entry's lines once (line count and per-fund balance in
 *   one query) — it runs at commit for the entry and for each of its lines;
 * - the overdraft check looks up balances only for accounts and restricted funds the entry
 *   takes money from, so a receipt costs no balance lookup at all.
 */
import { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function check_entry_balanced(target uuid) returns void language plpgsql as $$
    declare
      line_count integer;
      unbalanced_fund text;
    begin
      select coalesce(sum(n), 0)::integer, min(fund_code) filter (where not balanced)
        into line_count, unbalanced_fund
        from (select fund_code, count(*) as n, coalesce(sum(debit), 0) = coalesce(sum(credit), 0) as balanced
                from entry_lines where entry_id = target group by fund_code) per_fund;
      if line_count < 2 then
        raise exception 'entry % has % lines; an entry needs at least two', target, line_count
          using errcode = '23514', hint = 'entry_not_balanced';
      end if;
      if unbalanced_fund is not null then
        raise exception 'entry % does not balance in fund %', target, unbalanced_fund
          using errcode = '23514', hint = 'entry_not_balanced';
      end if;
    end $$;

    create or replace function ledger_check_overdraft(v_entity uuid, p_lines jsonb) returns void language plpgsql as $$
    declare
      v_bad record;
    begin
      -- Cash, bank and other monetary accounts never go below zero.
      select e.code, a.name, coalesce(b.balance, 0) as available, e.effect into v_bad
        from (select l.value->>'accountCode' as code,
                     sum(coalesce((l.value->>'debit')::numeric, 0) - coalesce((l.value->>'credit')::numeric, 0)) as effect
                from jsonb_array_elements(p_lines) l
                join accounts a on a.entity_id = v_entity and a.code = l.value->>'accountCode' and a.monetary
               group by 1
              having sum(coalesce((l.value->>'debit')::numeric, 0) - coalesce((l.value->>'credit')::numeric, 0)) < 0) e
        join accounts a on a.entity_id = v_entity and a.code = e.code
        left join lateral (select sum(d.debit) - sum(d.credit) as balance from daily_balances d
                            where d.entity_id = v_entity and d.account_code = e.code) b on true
       where coalesce(b.balance, 0) + e.effect < 0
       order by e.code
       limit 1;
      if found then
        perform ledger_fail('insufficient_funds',
          format('Not enough money in %s %s: %s available, %s needed.', v_bad.code, v_bad.name,
                 to_char(v_bad.available, 'FM999999999999999990.00'), to_char(-v_bad.effect, 'FM999999999999999990.00')),
          jsonb_build_object('extra', jsonb_build_object('accountCode', v_bad.code, 'available', to_char(v_bad.available, 'FM999999999999999990.00'))));
      end if;
      -- Each restricted fund's net assets never go below zero.
      select e.code, coalesce(b.balance, 0) as available, e.effect into v_bad
        from (select l.value->>'fundCode' as code,
                     sum(coalesce((l.value->>'credit')::numeric, 0) - coalesce((l.value->>'debit')::numeric, 0)) as effect
                from jsonb_array_elements(p_lines) l
                join accounts a on a.entity_id = v_entity and a.code = l.value->>'accountCode' and a.type in ('net_assets','revenue','expense')
                join funds f on f.entity_id = v_entity and f.code = l.value->>'fundCode' and f.restricted
               group by 1
              having sum(coalesce((l.value->>'credit')::numeric, 0) - coalesce((l.value->>'debit')::numeric, 0)) < 0) e
        left join lateral (select sum(d.credit) - sum(d.debit) as balance
                             from daily_balances d join accounts a2 on a2.entity_id = d.entity_id and a2.code = d.account_code
                            where d.entity_id = v_entity and d.fund_code = e.code and a2.type in ('net_assets','revenue','expense')) b on true
       where coalesce(b.balance, 0) + e.effect < 0
       order by e.code
       limit 1;
      if found then
        perform ledger_fail('insufficient_funds',
          format('The restricted fund %s holds %s; it cannot pay %s.', v_bad.code,
                 to_char(v_bad.available, 'FM999999999999999990.00'), to_char(-v_bad.effect, 'FM999999999999999990.00')),
          jsonb_build_object('extra', jsonb_build_object('fundCode', v_bad.code, 'available', to_char(v_bad.available, 'FM999999999999999990.00'))));
      end if;
    end $$;
  `);
}

export async function down(): Promise<void> {
  throw new Error('the earlier definitions live in migrations 000100 and 000500; restore them from there if ever needed');
}
