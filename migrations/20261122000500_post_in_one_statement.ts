/**
 * Posting in one statement. `ledger_post(jsonb)` takes the entity's posting lock and, under
 * it, applies the rules that depend on the books' current state — known leaf accounts, funds
 * and projects; open period; approval threshold; no overdraft of monetary accounts or
 * restricted funds — then assigns the gapless voucher number, links the entry into the hash
 * chain and writes the entry, its lines, the daily balances and the chain head. The service
 * still checks the entry's own shape (balanced in total and per fund) before calling it, and
 * computes the entry's content hash; the deferred balance trigger remains the last line.
 *
 * Why in the database: on our machines every round trip costs more than the SQL it carries;
 * one statement holds the posting lock for the shortest time and needs no explicit
 * transaction when the posting is the whole command. Errors carry the domain code in HINT
 * and a JSON DETAIL ({ errors, extra }) that http/problem.ts turns into problem details.
 *
 * The chain link is sha256("<previous hash>|<chain index>|<voucher number>|<approver or empty>|<content hash>"),
 * the same formula as src/ledger/hash.ts chainLink().
 */
import { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    drop function if exists ledger_lock_for_posting(uuid, text, integer, text[], text[], uuid[]);

    create function ledger_fail(p_code text, p_message text, p_detail jsonb default '{}'::jsonb) returns void
    language plpgsql as $$
    begin
      raise exception using errcode = 'P0001', message = p_message, hint = p_code, detail = p_detail::text;
    end $$;

    create function ledger_chain_link(p_prev text, p_index bigint, p_number text, p_approved_by uuid, p_content_hash text) returns text
    language sql immutable as $$
      select encode(sha256(convert_to(p_prev || '|' || p_index::text || '|' || p_number || '|' || coalesce(p_approved_by::text, '') || '|' || p_content_hash, 'UTF8')), 'hex')
    $$;

    -- Every line names a leaf account, a fund and (if any) a project of these books.
    create function ledger_check_references(v_entity uuid, p_lines jsonb) returns void language plpgsql as $$
    declare
      v_bad record;
    begin
      select l.ord - 1 as idx, l.value->>'accountCode' as account_code, l.value->>'fundCode' as fund_code,
             a.code is null as no_account, a.name as account_name, coalesce(not a.is_leaf, false) as header,
             f.code is null as no_fund,
             (l.value->>'projectId' is not null and pr.id is null) as no_project
        into v_bad
        from jsonb_array_elements(p_lines) with ordinality l(value, ord)
        left join accounts a on a.entity_id = v_entity and a.code = l.value->>'accountCode'
        left join funds f on f.entity_id = v_entity and f.code = l.value->>'fundCode'
        left join projects pr on pr.entity_id = v_entity and pr.id = (l.value->>'projectId')::uuid
       where a.code is null or not a.is_leaf or f.code is null or (l.value->>'projectId' is not null and pr.id is null)
       order by l.ord
       limit 1;
      if found then
        if v_bad.no_account then
          perform ledger_fail('unknown_account', format('Account %s does not exist.', v_bad.account_code),
            jsonb_build_object('errors', jsonb_build_array(jsonb_build_object('path', format('body.lines.%s.accountCode', v_bad.idx), 'message', 'unknown account'))));
        elsif v_bad.header then
          perform ledger_fail('header_account', format('Account %s %s is a header; post to one of its sub-accounts.', v_bad.account_code, v_bad.account_name),
            jsonb_build_object('errors', jsonb_build_array(jsonb_build_object('path', format('body.lines.%s.accountCode', v_bad.idx), 'message', 'header account'))));
        elsif v_bad.no_fund then
          perform ledger_fail('unknown_fund', format('Fund %s does not exist.', v_bad.fund_code),
            jsonb_build_object('errors', jsonb_build_array(jsonb_build_object('path', format('body.lines.%s.fundCode', v_bad.idx), 'message', 'unknown fund'))));
        else
          perform ledger_fail('unknown_project', 'The project does not exist in these books.',
            jsonb_build_object('errors', jsonb_build_array(jsonb_build_object('path', format('body.lines.%s.projectId', v_bad.idx), 'message', 'unknown project'))));
        end if;
      end if;
    end $$;

    -- Cash, bank and other monetary accounts, and each restricted fund, never go below zero.
    -- Called under the posting lock, so the balances read are the latest.
    create function ledger_check_overdraft(v_entity uuid, p_lines jsonb) returns void language plpgsql as $$
    declare
      v_bad record;
    begin
      -- Cash, bank and other monetary accounts never go below zero.
      select e.code, a.name, coalesce(b.balance, 0) as available, e.effect into v_bad
        from (select l.value->>'accountCode' as code,
                     sum(coalesce((l.value->>'debit')::numeric, 0) - coalesce((l.value->>'credit')::numeric, 0)) as effect
                from jsonb_array_elements(p_lines) l
                join accounts a on a.entity_id = v_entity and a.code = l.value->>'accountCode' and a.monetary
               group by 1) e
        join accounts a on a.entity_id = v_entity and a.code = e.code
        left join lateral (select sum(d.debit) - sum(d.credit) as balance from daily_balances d
                            where d.entity_id = v_entity and d.account_code = e.code) b on true
       where e.effect < 0 and coalesce(b.balance, 0) + e.effect < 0
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
               group by 1) e
        left join lateral (select sum(d.credit) - sum(d.debit) as balance
                             from daily_balances d join accounts a2 on a2.entity_id = d.entity_id and a2.code = d.account_code
                            where d.entity_id = v_entity and d.fund_code = e.code and a2.type in ('net_assets','revenue','expense')) b on true
       where e.effect < 0 and coalesce(b.balance, 0) + e.effect < 0
       order by e.code
       limit 1;
      if found then
        perform ledger_fail('insufficient_funds',
          format('The restricted fund %s holds %s; it cannot pay %s.', v_bad.code,
                 to_char(v_bad.available, 'FM999999999999999990.00'), to_char(-v_bad.effect, 'FM999999999999999990.00')),
          jsonb_build_object('extra', jsonb_build_object('fundCode', v_bad.code, 'available', to_char(v_bad.available, 'FM999999999999999990.00'))));
      end if;
        end $$;

    create function ledger_post(p jsonb) returns jsonb language plpgsql volatile as $$
    declare
      v_entity uuid := (p->>'entityId')::uuid;
      v_id uuid := (p->>'id')::uuid;
      v_date date := (p->>'date')::date;
      v_month text := to_char((p->>'date')::date, 'YYYY-MM');
      v_year integer := extract(year from (p->>'date')::date)::integer;
      v_head record;
      v_payout numeric;
      v_seq integer;
      v_number text;
      v_index bigint;
      v_hash text;
      v_row record;
    begin
      select b.chain_length, b.chain_head, e.approval_threshold into v_head
        from entity_books b join entities e on e.id = b.entity_id
       where b.entity_id = v_entity
         for update of b;
      if not found then
        perform ledger_fail('not_found', 'Entity not found.');
      end if;

      perform ledger_check_references(v_entity, p->'lines');

      if exists (select 1 from periods where entity_id = v_entity and period = v_month) then
        perform ledger_fail('period_closed', format('The period %s is closed; date the entry in an open month.', v_month),
          jsonb_build_object('errors', jsonb_build_array(jsonb_build_object('path', 'body.date', 'message', 'in a closed period'))));
      end if;

      select coalesce(sum((l.value->>'credit')::numeric), 0) into v_payout
        from jsonb_array_elements(p->'lines') l
        join accounts a on a.entity_id = v_entity and a.code = l.value->>'accountCode'
       where a.monetary and l.value->>'credit' is not null;

      if p->>'approval' = 'auto' and v_head.approval_threshold is not null and v_payout > v_head.approval_threshold then
        insert into entries (id, entity_id, date, memo, status, kind, details, pending_lines, created_by, reversal_of, reversal_reason)
        values (v_id, v_entity, v_date, p->>'memo', 'pending_approval', p->>'kind', p->'details', p->'lines',
                (p->>'createdBy')::uuid, (p->>'reversalOf')::uuid, p->>'reversalReason')
        returning * into v_row;
        return jsonb_build_object('id', v_row.id, 'seq', v_row.seq::text, 'status', v_row.status, 'createdAt', v_row.created_at);
      end if;

      if coalesce((p->>'checkOverdraft')::boolean, true) then
        perform ledger_check_overdraft(v_entity, p->'lines');
      end if;

      insert into voucher_counters (entity_id, year, last_seq) values (v_entity, v_year, 1)
        on conflict (entity_id, year) do update set last_seq = voucher_counters.last_seq + 1
        returning last_seq into v_seq;
      v_number := v_year::text || '-' || lpad(v_seq::text, 6, '0');
      v_index := v_head.chain_length + 1;
      v_hash := ledger_chain_link(v_head.chain_head, v_index, v_number, null, p->>'contentHash');

      insert into entries (id, entity_id, number, voucher_year, voucher_seq, date, memo, status, kind, details, created_by,
                           reversal_of, reversal_reason, chain_index, prev_hash, hash)
      values (v_id, v_entity, v_number, v_year, v_seq, v_date, p->>'memo', 'posted', p->>'kind', p->'details',
              (p->>'createdBy')::uuid, (p->>'reversalOf')::uuid, p->>'reversalReason', v_index, v_head.chain_head, v_hash)
      returning * into v_row;

      insert into entry_lines (entry_id, entity_id, date, line_no, account_code, fund_code, project_id, debit, credit, memo)
      select v_id, v_entity, v_date, (l.value->>'lineNo')::integer, l.value->>'accountCode', l.value->>'fundCode',
             (l.value->>'projectId')::uuid, (l.value->>'debit')::numeric, (l.value->>'credit')::numeric, l.value->>'memo'
        from jsonb_array_elements(p->'lines') l;

      insert into daily_balances (entity_id, account_code, fund_code, day, debit, credit)
      select v_entity, l.value->>'accountCode', l.value->>'fundCode', v_date,
             coalesce(sum((l.value->>'debit')::numeric), 0), coalesce(sum((l.value->>'credit')::numeric), 0)
        from jsonb_array_elements(p->'lines') l
       group by 2, 3
      on conflict (entity_id, account_code, fund_code, day) do update
        set debit = daily_balances.debit + excluded.debit, credit = daily_balances.credit + excluded.credit;

      update entity_books set chain_length = v_index, chain_head = v_hash where entity_id = v_entity;

      return jsonb_build_object('id', v_row.id, 'seq', v_row.seq::text, 'status', 'posted', 'number', v_number,
                                'voucherYear', v_year, 'voucherSeq', v_seq, 'chainIndex', v_index::text,
                                'prevHash', v_head.chain_head, 'hash', v_hash, 'createdAt', v_row.created_at);
    end $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop function if exists ledger_post(jsonb);
    drop function if exists ledger_check_overdraft(uuid, jsonb);
    drop function if exists ledger_check_references(uuid, jsonb);
    drop function if exists ledger_chain_link(text, bigint, text, uuid, text);
    drop function if exists ledger_fail(text, text, jsonb);
  `);
}
