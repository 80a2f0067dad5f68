/**
 * Group commit, set-based. Until now `ledger_post_batch` called `ledger_post` once per entry,
 * and a profile of the database backend showed where the time went: not in the rules but in
 * running a dozen statements per entry (executor start-up, re-reading CHECK constraints,
 * subtransactions) — about 0.75 ms of database CPU per two-line receipt.
 *
 * Now a batch is posted in two parts:
 *
 * 1. The plain entries, all at once, in a fixed number of statements: lock the books of every
 *    entity in the batch (in entity order), decide which entries certainly post (below), give
 *    them their voucher numbers per entity and year, link them into each entity's hash chain in
 *    batch order, and write entries, lines, daily balances and chain heads with one statement
 *    each.
 * 2. Every other entry, one by one through `ledger_post` in its own subtransaction, exactly as
 *    before: it gets the same checks and, when refused, the same error.
 *
 * An entry is plain when the state of the books cannot refuse or hold it: its entity exists;
 * every line names a leaf account, a fund and (if any) a project of these books and has one
 * positive side; its month is open; it is not a reversal; it does not wait for approval (no
 * payout above the entity's threshold); and it takes no money out of a monetary account or a
 * restricted fund (so no overdraft check can depend on the entries before it). Receipts are
 * plain; payments go through part 2.
 *
 * The rules stay where they were: the same unique keys, CHECKs, foreign keys, closed-period
 * guard and deferred balance triggers fire for every row written by part 1. If any of them
 * refuses a row, the whole statement fails and the service posts each entry of the batch
 * alone (src/ledger/batcher.ts), so only the culprit is refused.
 *
 * Results keep the input order: { ok: <as ledger_post returns> } or { error: {...} }.
 *
 * The deferred balance check also did the same work three times per two-line entry (once for
 * the entry, once for each line). A line whose posted entry was written by this very
 * transaction needs no check of its own: that entry's row trigger checks the entry, with all
 * its lines, at commit. Lines of an entry written by an earlier transaction (or by a
 * subtransaction) are still checked on their own.
 */
import { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function lines_balanced_trigger() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from entries where id = new.entry_id and status = 'posted' and xmin = pg_current_xact_id()::xid) then
        return null;
      end if;
      perform check_entry_balanced(new.entry_id);
      return null;
    end $$;

    create or replace function ledger_post_batch(p_entries jsonb) returns jsonb language plpgsql volatile as $$
    declare
      v_results jsonb[] := array_fill(null::jsonb, array[jsonb_array_length(p_entries)]);
      v_plain integer[];
      v_ords integer[] := '{}';
      v_numbers text[] := '{}';
      v_years integer[] := '{}';
      v_seqs integer[] := '{}';
      v_indexes bigint[] := '{}';
      v_prevs text[] := '{}';
      v_hashes text[] := '{}';
      v_entity uuid;
      v_head text;
      v_length bigint;
      v_row record;
      v_code text;
      v_message text;
      v_hint text;
      v_detail text;
    begin
      -- The books of every entity in the batch, locked in entity order.
      perform 1 from entity_books
        where entity_id in (select distinct (value->>'entityId')::uuid from jsonb_array_elements(p_entries))
        order by entity_id
        for update;

      -- Which entries are plain (see above).
      select coalesce(array_agg(e.ord order by e.ord), '{}') into v_plain
        from jsonb_array_elements(p_entries) with ordinality e(p, ord)
        join entity_books b on b.entity_id = (e.p->>'entityId')::uuid
        join entities en on en.id = b.entity_id
       where e.p->>'reversalOf' is null
         and length(e.p->>'memo') between 1 and 500
         and jsonb_array_length(e.p->'lines') >= 2
         and not exists (select 1 from periods pe where pe.entity_id = b.entity_id and pe.period = to_char((e.p->>'date')::date, 'YYYY-MM'))
         and not exists (
           select 1
             from jsonb_array_elements(e.p->'lines') l
             left join accounts a on a.entity_id = b.entity_id and a.code = l->>'accountCode'
             left join funds f on f.entity_id = b.entity_id and f.code = l->>'fundCode'
             left join projects pr on pr.entity_id = b.entity_id and pr.id = (l->>'projectId')::uuid
            where a.code is null or not a.is_leaf or f.code is null
               or (l->>'projectId' is not null and pr.id is null)
               or (l->>'lineNo')::integer < 1
               or ((l->>'debit') is null) = ((l->>'credit') is null)
               or coalesce((l->>'debit')::numeric, (l->>'credit')::numeric) <= 0
               or (a.monetary and l->>'credit' is not null)
               or (f.restricted and a.type in ('net_assets', 'revenue', 'expense') and l->>'debit' is not null));

      if cardinality(v_plain) > 0 then
        -- Voucher numbers per entity and year, in batch order; then the hash chain.
        for v_row in
          with plain as (
            select e.ord::integer as ord, (e.p->>'entityId')::uuid as entity_id,
                   extract(year from (e.p->>'date')::date)::integer as year, e.p->>'contentHash' as content_hash
              from jsonb_array_elements(p_entries) with ordinality e(p, ord)
             where e.ord = any(v_plain)),
          counted as (
            insert into voucher_counters (entity_id, year, last_seq)
            select entity_id, year, count(*) from plain group by entity_id, year
            on conflict (entity_id, year) do update set last_seq = voucher_counters.last_seq + excluded.last_seq
            returning entity_id, year, last_seq)
          select p.ord, p.entity_id, p.year, p.content_hash,
                 c.last_seq - count(*) over (partition by p.entity_id, p.year)
                   + row_number() over (partition by p.entity_id, p.year order by p.ord) as seq,
                 b.chain_length, b.chain_head
            from plain p
            join counted c on c.entity_id = p.entity_id and c.year = p.year
            join entity_books b on b.entity_id = p.entity_id
           order by p.entity_id, p.ord
        loop
          if v_entity is distinct from v_row.entity_id then
            v_entity := v_row.entity_id;
            v_head := v_row.chain_head;
            v_length := v_row.chain_length;
          end if;
          v_length := v_length + 1;
          v_ords := v_ords || v_row.ord;
          v_years := v_years || v_row.year;
          v_seqs := v_seqs || v_row.seq::integer;
          v_numbers := v_numbers || (v_row.year::text || '-' || lpad(v_row.seq::text, 6, '0'));
          v_indexes := v_indexes || v_length;
          v_prevs := v_prevs || v_head;
          v_head := ledger_chain_link(v_head, v_length, v_row.year::text || '-' || lpad(v_row.seq::text, 6, '0'), null, v_row.content_hash);
          v_hashes := v_hashes || v_head;
        end loop;

        -- Entries, lines, daily balances and chain heads in one statement (foreign keys are
        -- checked at its end, when the entries are there).
        for v_row in
          with e as (
            select u.ord, u.number, u.year, u.seq, u.chain_index, u.prev_hash, u.hash, u.n, p_entries->(u.ord - 1) as p
              from unnest(v_ords, v_numbers, v_years, v_seqs, v_indexes, v_prevs, v_hashes)
                     with ordinality u(ord, number, year, seq, chain_index, prev_hash, hash, n)),
          inserted as (
            insert into entries (id, entity_id, number, voucher_year, voucher_seq, date, memo, status, kind, details, created_by,
                                 chain_index, prev_hash, hash)
            select (e.p->>'id')::uuid, (e.p->>'entityId')::uuid, e.number, e.year, e.seq, (e.p->>'date')::date, e.p->>'memo',
                   'posted', e.p->>'kind', e.p->'details', (e.p->>'createdBy')::uuid, e.chain_index, e.prev_hash, e.hash
              from e
             order by e.n
            returning id, seq, created_at),
          lines as (
            insert into entry_lines (entry_id, entity_id, date, line_no, account_code, fund_code, project_id, debit, credit, memo)
            select (e.p->>'id')::uuid, (e.p->>'entityId')::uuid, (e.p->>'date')::date, (l->>'lineNo')::integer,
                   l->>'accountCode', l->>'fundCode', (l->>'projectId')::uuid, (l->>'debit')::numeric, (l->>'credit')::numeric, l->>'memo'
              from e, jsonb_array_elements(e.p->'lines') l
             order by e.n),
          balances as (
            insert into daily_balances (entity_id, account_code, fund_code, day, debit, credit)
            select (e.p->>'entityId')::uuid, l->>'accountCode', l->>'fundCode', (e.p->>'date')::date,
                   coalesce(sum((l->>'debit')::numeric), 0), coalesce(sum((l->>'credit')::numeric), 0)
              from e, jsonb_array_elements(e.p->'lines') l
             group by 1, 2, 3, 4
            on conflict (entity_id, account_code, fund_code, day) do update
              set debit = daily_balances.debit + excluded.debit, credit = daily_balances.credit + excluded.credit),
          heads as (
            update entity_books b set chain_length = h.chain_index, chain_head = h.hash
              from (select distinct on (e.p->>'entityId') (e.p->>'entityId')::uuid as entity_id, e.chain_index, e.hash
                      from e order by e.p->>'entityId', e.chain_index desc) h
             where b.entity_id = h.entity_id)
          select e.ord, jsonb_build_object('ok', jsonb_build_object(
                   'id', i.id, 'seq', i.seq::text, 'status', 'posted', 'number', e.number, 'voucherYear', e.year,
                   'voucherSeq', e.seq, 'chainIndex', e.chain_index::text, 'prevHash', e.prev_hash, 'hash', e.hash,
                   'createdAt', i.created_at)) as result
            from inserted i join e on (e.p->>'id')::uuid = i.id
        loop
          v_results[v_row.ord] := v_row.result;
        end loop;
      end if;

      -- Every other entry alone, as ledger_post decides.
      for v_row in select ord::integer as ord, value from jsonb_array_elements(p_entries) with ordinality x(value, ord) order by ord loop
        continue when v_results[v_row.ord] is not null;
        begin
          v_results[v_row.ord] := jsonb_build_object('ok', ledger_post(v_row.value));
        exception when others then
          get stacked diagnostics v_code = returned_sqlstate, v_message = message_text, v_hint = pg_exception_hint, v_detail = pg_exception_detail;
          v_results[v_row.ord] := jsonb_build_object('error',
            jsonb_build_object('code', v_code, 'message', v_message, 'hint', v_hint, 'detail', v_detail));
        end;
      end loop;

      return to_jsonb(v_results);
    end $$;
  `);
}

export async function down(): Promise<void> {
  throw new Error('the earlier definition lives in migration 000600; restore it from there if ever needed');
}
