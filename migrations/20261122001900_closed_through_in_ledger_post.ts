/**
 * `ledger_post` refuses a date on or before the latest closed month, as the statement trigger of
 * migration 001700 does, and before it decides that an entry waits for approval. Until now it
 * checked only the date's own month, and the trigger only posted rows, so a payment above the
 * approval threshold dated in a month frozen by a later close was accepted as pending: it could
 * never be approved, and it kept the next month from closing (found by review). Its refusal now
 * names `closedThrough` in every case, the date's own month included.
 *
 * (The guard trigger of migration 001700 checks pending rows too, for writers that skip
 * `ledger_post`.)
 *
 * The function is redefined whole (copied from migration 001500) with only its period check
 * changed; migrations are history, and a new definition has to stand on its own.
 */
import { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function ledger_post(p jsonb) returns jsonb language plpgsql volatile as $$
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
      v_closed text;
    begin
      select b.chain_length, b.chain_head, e.approval_threshold into v_head
        from entity_books b join entities e on e.id = b.entity_id
       where b.entity_id = v_entity
         for update of b;
      if not found then
        perform ledger_fail('not_found', 'Entity not found.');
      end if;

      perform ledger_check_references(v_entity, p->'lines');

      -- Closed through the latest closed month (migration 001700), for an entry that would post
      -- and for one that would wait for approval alike; the year-end close only by its December.
      select period into v_closed from periods
       where entity_id = v_entity
         and case when p->>'kind' = 'year_end_close' then period = v_month else period >= v_month end
       order by period desc
       limit 1;
      if found then
        perform ledger_fail('period_closed', closed_message(v_month, v_closed, 'date the entry'),
          jsonb_build_object('extra', jsonb_build_object('closedThrough', v_closed),
            'errors', jsonb_build_array(jsonb_build_object('path', 'body.date', 'message', 'in a closed period'))));
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
        perform ledger_check_overdraft(v_entity, p->'lines', v_date);
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

export async function down(): Promise<void> {
  throw new Error('the earlier definition of ledger_post lives in migration 001500; restore it from there if ever needed');
}
