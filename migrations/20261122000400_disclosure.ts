/**
 * Published disclosure reports (财务公开): one row per published version of a period, holding
 * the frozen snapshot — the report JSON, the PDF bytes and their SHA-256, and the ledger's
 * hash-chain head and length at publication.
 *
 * A snapshot is never regenerated: the table is append-only except for the one-time
 * supervisor countersignature (监委会审核), which fills the countersign columns once, together
 * with the countersigned rendering of the PDF; the original bytes stay as they were.
 */
import { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table disclosures (
      id uuid primary key,
      seq bigserial not null unique,
      entity_id uuid not null references entities(id),
      -- {0,1} rather than a question mark: knex.raw reads a question mark as a binding.
      period text not null check (period ~ '^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4]){0,1}$'),
      period_kind text not null check (period_kind in ('month','quarter','year')),
      period_from date not null,
      period_to date not null,
      version integer not null check (version >= 1),
      supersedes_id uuid references disclosures(id),
      supersede_reason text,
      published_by uuid not null references users(id),
      published_at timestamptz not null,
      data jsonb not null,
      data_sha256 text not null check (data_sha256 ~ '^[0-9a-f]{64}$'),
      pdf bytea not null,
      pdf_sha256 text not null check (pdf_sha256 ~ '^[0-9a-f]{64}$'),
      chain_head text not null check (chain_head ~ '^[0-9a-f]{64}$'),
      chain_length bigint not null check (chain_length >= 0),
      countersigned_by uuid references users(id),
      countersigned_by_name text,
      countersigned_at timestamptz,
      countersign_note text,
      pdf_countersigned bytea,
      pdf_countersigned_sha256 text check (pdf_countersigned_sha256 ~ '^[0-9a-f]{64}$'),
      unique (entity_id, period, version),
      check ((version = 1) = (supersedes_id is null)),
      check ((supersedes_id is null) = (supersede_reason is null)),
      check ((countersigned_by is null) = (countersigned_at is null)),
      check ((countersigned_at is null) = (pdf_countersigned is null)),
      check ((pdf_countersigned is null) = (pdf_countersigned_sha256 is null))
    );
    create index disclosures_entity on disclosures (entity_id, period_from, version);

    -- Frozen: only the countersign columns may change, and only from empty to filled, once.
    create function guard_disclosure_update() returns trigger language plpgsql as $$
    begin
      if old.countersigned_at is null and new.countersigned_at is not null
         and new.id = old.id and new.seq = old.seq and new.entity_id = old.entity_id
         and new.period = old.period and new.period_kind = old.period_kind
         and new.period_from = old.period_from and new.period_to = old.period_to
         and new.version = old.version and new.supersedes_id is not distinct from old.supersedes_id
         and new.supersede_reason is not distinct from old.supersede_reason
         and new.published_by = old.published_by and new.published_at = old.published_at
         and new.data = old.data and new.data_sha256 = old.data_sha256
         and new.pdf = old.pdf and new.pdf_sha256 = old.pdf_sha256
         and new.chain_head = old.chain_head and new.chain_length = old.chain_length then
        return new;
      end if;
      raise exception 'disclosure % is frozen', old.id using errcode = 'P0001', hint = 'append_only';
    end $$;
    create trigger disclosures_no_update before update on disclosures
      for each row execute function guard_disclosure_update();
    create trigger disclosures_no_delete before delete on disclosures
      for each row execute function refuse_change();
    create trigger disclosures_no_truncate before truncate on disclosures
      for each statement execute function refuse_change();
  `);
}

export async function down(): Promise<void> {
  throw new Error('the disclosure migration cannot be undone: published reports are never dropped');
}
