/**
 * Group commit for postings. `ledger_post_batch(jsonb)` posts an array of entries in one
 * statement and one transaction, each through ledger_post inside its own subtransaction, so a
 * refused entry (closed period, overdraft…) is answered alone and the others still post. The
 * entries are taken in the order given; the service orders them by entity so that batches
 * lock entity books in one order.
 *
 * Each result is { ok: <ledger_post result> } or { error: { code, message, hint, detail } }.
 */
import { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function ledger_post_batch(p_entries jsonb) returns jsonb language plpgsql volatile as $$
    declare
      v_entry jsonb;
      v_results jsonb := '[]'::jsonb;
      v_code text;
      v_message text;
      v_hint text;
      v_detail text;
    begin
      for v_entry in select value from jsonb_array_elements(p_entries) loop
        begin
          v_results := v_results || jsonb_build_array(jsonb_build_object('ok', ledger_post(v_entry)));
        exception when others then
          get stacked diagnostics v_code = returned_sqlstate, v_message = message_text, v_hint = pg_exception_hint, v_detail = pg_exception_detail;
          v_results := v_results || jsonb_build_array(jsonb_build_object('error',
            jsonb_build_object('code', v_code, 'message', v_message, 'hint', v_hint, 'detail', v_detail)));
        end;
      end loop;
      return v_results;
    end $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function if exists ledger_post_batch(jsonb)');
}
