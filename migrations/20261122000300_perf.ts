/**
 * Performance: one database function that takes an entity's posting lock and reads what the
 * posting rules need, so the lock is held for one round trip fewer. It decides nothing; the
 * rules stay in src/ledger/posting.ts. VOLATILE on purpose: each statement inside takes a fresh
 * snapshot, so the reads after the lock see everything the previous lock holder committed.
 */
import { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function ledger_lock_for_posting(p_entity uuid, p_month text, p_year integer, p_accounts text[], p_funds text[], p_projects uuid[])
    returns json language plpgsql volatile as $$
    declare
      head record;
    begin
      select chain_length, chain_head into head from entity_books where entity_id = p_entity for update;
      if not found then
        return null;
      end if;
      return json_build_object(
        'chain_length', head.chain_length::text,
        'chain_head', head.chain_head,
        'approval_threshold', (select e.approval_threshold::text from entities e where e.id = p_entity),
        'closed', exists (select 1 from periods p where p.entity_id = p_entity and p.period = p_month),
        'last_seq', (select v.last_seq from voucher_counters v where v.entity_id = p_entity and v.year = p_year),
        'accounts', (select coalesce(json_agg(json_build_object('entity_id', a.entity_id, 'code', a.code, 'name', a.name, 'type', a.type,
                       'parent_code', a.parent_code, 'role', a.role, 'monetary', a.monetary, 'is_leaf', a.is_leaf)), '[]')
                       from accounts a where a.entity_id = p_entity and a.code = any(p_accounts)),
        'funds', (select coalesce(json_agg(json_build_object('entity_id', f.entity_id, 'code', f.code, 'name', f.name,
                    'restricted', f.restricted, 'purpose', f.purpose)), '[]')
                    from funds f where f.entity_id = p_entity and f.code = any(p_funds)),
        'projects', (select coalesce(json_agg(p.id), '[]') from projects p where p.entity_id = p_entity and p.id = any(p_projects)));
    end $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function if exists ledger_lock_for_posting(uuid, text, integer, text[], text[], uuid[])');
}
