/**
 * The guards that fired once per row now fire once per statement where they can, same rules.
 *
 * A batch writes its plain entries with one statement per table (migration 000900), but three
 * guards still ran a query per row: the closed-period guard (per entry), the balance check of
 * each line (per line, deferred to commit, mostly to find out that the entry's own check
 * covers it) and the entry's balance check (per entry, through a second function call). Measured
 * on batches of 12 two-line receipts: ~40 µs of database CPU per entry in these triggers.
 *
 * - Closed periods: one query per statement over the rows it inserted or updated (transition
 *   tables), instead of one per row. Same condition, same error.
 * - Lines: one query per insert statement. A line whose entry was written by this transaction
 *   (not a savepoint of it) is left to that entry's own deferred check, as before. A line added
 *   to any other posted entry — one an earlier transaction posted, or one written in a
 *   savepoint — is checked at once, at the end of its statement, with all the entry's lines.
 *   The one difference: such lines can no longer be added in two statements that only balance
 *   together at commit. Our writers insert an entry's lines in one statement; adding lines to a
 *   posted entry is tampering anyway.
 * - Entries: the deferred check runs its query directly instead of calling
 *   check_entry_balanced (one function call and one query fewer per entry); that function
 *   has no other caller and goes.
 */
import { Knex } from 'knex';

const BALANCE_ERRORS = `
        if bad.line_count < 2 then
          raise exception 'entry % has % lines; an entry needs at least two', bad.entry_id, bad.line_count
            using errcode = '23514', hint = 'entry_not_balanced';
        end if;
        raise exception 'entry % does not balance in fund %', bad.entry_id, bad.unbalanced_fund
          using errcode = '23514', hint = 'entry_not_balanced';`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function entries_balanced_trigger() returns trigger language plpgsql as $$
    declare
      bad record;
    begin
      if new.status <> 'posted' then
        return null;
      end if;
      select new.id as entry_id, coalesce(sum(n), 0)::integer as line_count,
             min(fund_code) filter (where not balanced) as unbalanced_fund
        into bad
        from (select fund_code, count(*) as n, coalesce(sum(debit), 0) = coalesce(sum(credit), 0) as balanced
                from entry_lines where entry_id = new.id group by fund_code) per_fund;
      if bad.line_count >= 2 and bad.unbalanced_fund is null then
        return null;
      end if;
      ${BALANCE_ERRORS}
    end $$;

    drop trigger entry_lines_balanced on entry_lines;
    drop function lines_balanced_trigger();
    create function lines_balanced_statement() returns trigger language plpgsql as $$
    declare
      bad record;
    begin
      -- Scalar subqueries, not joins: each is an index lookup by entry id, whatever the
      -- statistics said when the plan was cached (a join planned while the tables were small
      -- scanned them whole on every statement).
      select checked.entry_id, checked.line_count, checked.unbalanced_fund
        into bad
        from (select added.entry_id,
                     (select count(*) from entry_lines l where l.entry_id = added.entry_id)::integer as line_count,
                     (select min(per_fund.fund_code)
                        from (select l.fund_code from entry_lines l where l.entry_id = added.entry_id
                               group by l.fund_code having coalesce(sum(l.debit), 0) <> coalesce(sum(l.credit), 0)) per_fund) as unbalanced_fund
                from (select distinct entry_id from new_lines) added
               where (select e.status = 'posted' and e.xmin <> pg_current_xact_id()::xid from entries e where e.id = added.entry_id)
              offset 0) checked
       where checked.line_count < 2 or checked.unbalanced_fund is not null
       limit 1;
      if not found then
        return null;
      end if;
      ${BALANCE_ERRORS}
    end $$;
    create trigger entry_lines_balanced after insert on entry_lines referencing new table as new_lines
      for each statement execute function lines_balanced_statement();

    drop trigger entries_closed_period on entries;
    drop function guard_closed_period();
    create function guard_closed_periods() returns trigger language plpgsql as $$
    declare
      hit record;
    begin
      select written.entity_id, to_char(written.date, 'YYYY-MM') as period into hit
        from written
       where written.status = 'posted'
         and (select true from periods p where p.entity_id = written.entity_id and p.period = to_char(written.date, 'YYYY-MM'))
       limit 1;
      if found then
        raise exception 'period % of entity % is closed', hit.period, hit.entity_id
          using errcode = 'P0001', hint = 'period_closed';
      end if;
      return null;
    end $$;
    -- No posting into a closed month, whatever path the row takes (a transition table names
    -- one event, hence two triggers).
    create trigger entries_closed_period_insert after insert on entries referencing new table as written
      for each statement execute function guard_closed_periods();
    create trigger entries_closed_period_update after update on entries referencing new table as written
      for each statement execute function guard_closed_periods();

    drop function check_entry_balanced(uuid);
  `);
}

export async function down(): Promise<void> {
  throw new Error('the earlier guards live in migrations 000100 and 000900; restore them from there if ever needed');
}
