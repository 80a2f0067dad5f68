/**
 * Rejected entries. An entry waiting for approval could until now only become posted, so one
 * that should never be posted (a mistake, or one that would overdraw the account) stayed
 * pending for ever and its month could never be closed. Now it may also become `rejected`:
 * a supervisor says no, or its author withdraws it. A rejected entry keeps its proposed lines
 * (pending_lines) as the record of what was refused, and says who refused it, when and why
 * (rejected_by, rejected_at, rejection_reason). It never gets a voucher number, a place in the
 * hash chain or lines in entry_lines, so it stays out of every balance, report and export, as
 * it was while pending.
 *
 * The append-only guard allows exactly one more change: pending_approval → rejected, with the
 * entry's content, its proposed lines and its (empty) number, chain and approval fields as they
 * were, and the rejection recorded. A rejected row never changes again; a posted row never
 * becomes rejected. A reversal that was rejected no longer counts as the original's one
 * reversal, so the original can still be reversed.
 *
 * Constraints named by Postgres in migration 000100: entries_status_check (the status column)
 * and entries_check2 (pending lines exist exactly while pending).
 */
import { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table entries
      add column rejected_by uuid references users(id),
      add column rejected_at timestamptz,
      add column rejection_reason text;

    alter table entries
      drop constraint entries_status_check,
      add constraint entries_status_check check (status in ('pending_approval','posted','rejected')),
      drop constraint entries_check2,
      add constraint entries_proposed_lines_check check ((status in ('pending_approval','rejected')) = (pending_lines is not null)),
      add constraint entries_rejection_recorded check (
        case when status = 'rejected' then rejected_by is not null and rejected_at is not null and rejection_reason is not null
             else rejected_by is null and rejected_at is null and rejection_reason is null end),
      add constraint entries_rejection_reason_check
        check (rejection_reason is null or (char_length(rejection_reason) between 1 and 500 and btrim(rejection_reason) <> ''));

    drop index entries_reversal_of_key;
    create unique index entries_reversal_of_key on entries (reversal_of) where reversal_of is not null and status <> 'rejected';

    -- Append-only journal: posted and rejected rows never change; a pending entry may only
    -- become posted (approved) or rejected (refused or withdrawn).
    create or replace function guard_entry_update() returns trigger language plpgsql as $$
    begin
      if new.id = old.id and new.entity_id = old.entity_id and new.date = old.date and new.memo = old.memo
         and new.kind = old.kind and new.details = old.details and new.created_by is not distinct from old.created_by
         and new.reversal_of is not distinct from old.reversal_of and new.created_at = old.created_at
         and old.status = 'pending_approval' then
        if new.status = 'posted' and new.pending_lines is null then
          return new;
        end if;
        if new.status = 'rejected'
           and new.seq = old.seq
           and new.reversal_reason is not distinct from old.reversal_reason
           and new.pending_lines = old.pending_lines
           and new.number is null and new.voucher_year is null and new.voucher_seq is null
           and new.chain_index is null and new.prev_hash is null and new.hash is null
           and new.approved_by is null and new.approved_at is null
           and new.rejected_by is not null and new.rejected_at is not null and new.rejection_reason is not null then
          return new;
        end if;
      end if;
      raise exception 'entries are append-only (entry %)', old.id using errcode = 'P0001', hint = 'append_only';
    end $$;
  `);
}

export async function down(): Promise<void> {
  throw new Error('rejected entries are records of the books; this migration is not undone');
}
