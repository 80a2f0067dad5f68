/**
 * The net-asset rules the service checks on hand-posted entries (ledger/service.ts,
 * checkNetAssetFunds), kept by the database too, for every writer: on a `journal` entry, a line
 * on 3101 非限定性净资产 (or a sub-account) must name an unrestricted fund, a line on 3102
 * 限定性净资产 a restricted one, and no line may debit 3102 (a release posted by hand; DOMAIN.md
 * derives releases from spending). Reversals, the year-end close and the grant postings are
 * the service's own entries and are not `journal`.
 *
 * One statement-level check over the lines an INSERT wrote (like the balance check of migration
 * 001200): it looks at the entry and the fund only for lines whose account code starts with
 * 3101 or 3102, so a batch of receipts pays a LIKE over its own rows and nothing more. Sub-
 * account codes start with their parent's code (the chart's rule), so the prefix is the tree.
 * Lines of an entry waiting for approval are written when it is approved, and checked then.
 */
import { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function net_assets_lines_statement() returns trigger language plpgsql as $$
    declare
      bad record;
    begin
      select n.account_code, n.fund_code, f.restricted, n.debit is not null as debit into bad
        from new_lines n
        join entries e on e.id = n.entry_id and e.kind = 'journal'
        join funds f on f.entity_id = n.entity_id and f.code = n.fund_code
       where (n.account_code like '3101%' or n.account_code like '3102%')
         and case when n.account_code like '3101%' then f.restricted
                  else not f.restricted or n.debit is not null end
       limit 1;
      if not found then
        return null;
      end if;
      if bad.account_code like '3102%' and bad.restricted then
        perform ledger_fail('restricted_release_by_hand',
          format('A hand-posted entry may not debit %s 限定性净资产: a restriction is released only by spending from its fund.', bad.account_code));
      end if;
      perform ledger_fail('net_assets_fund_mismatch',
        format('%s takes %s funds only; %s is %s.', bad.account_code,
               case when bad.account_code like '3101%' then 'unrestricted' else 'restricted' end,
               bad.fund_code, case when bad.restricted then 'restricted' else 'unrestricted' end));
    end $$;

    create trigger entry_lines_net_assets after insert on entry_lines referencing new table as new_lines
      for each statement execute function net_assets_lines_statement();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop trigger entry_lines_net_assets on entry_lines;
    drop function net_assets_lines_statement();
  `);
}
