/**
 * The books: entities, chart of accounts (seeded from the 2004 民间非营利组织会计制度 chart as
 * data), funds, projects, the append-only journal with its database-side guards, derived daily
 * balances, periods, reconciliations, attachments, users, roles and idempotency keys.
 *
 * The database is the second line of defence behind the service: a deferred constraint trigger
 * refuses any entry whose debits and credits differ (in total and per fund), triggers refuse
 * UPDATE and DELETE of posted journal rows, and entries dated in a closed month are refused.
 */
import { Knex } from 'knex';
import { CHART_2004 } from '../seeds/data/chart-2004';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table users (
      id uuid primary key default gen_random_uuid(),
      username text not null,
      display_name text not null,
      password_hash text not null,
      created_at timestamptz not null default now(),
      deleted_at timestamptz
    );
    create unique index users_username_key on users (lower(username));

    create table chart_template (
      code text primary key,
      name text not null,
      type text not null check (type in ('asset','liability','net_assets','revenue','expense')),
      parent_code text references chart_template(code),
      role text unique,
      monetary boolean not null default false,
      sort integer not null
    );

    create table entities (
      id uuid primary key default gen_random_uuid(),
      code text not null unique check (code ~ '^[A-Za-z0-9_-]{1,40}$'),
      name text not null check (length(name) between 1 and 200),
      kind text not null check (kind in ('station','foundation')),
      approval_threshold numeric(20,2) check (approval_threshold >= 0),
      created_at timestamptz not null default now()
    );

    create table user_roles (
      id bigserial primary key,
      user_id uuid not null references users(id),
      role text not null check (role in ('admin','treasurer','supervisor','grant_manager','reviewer','applicant')),
      entity_id uuid references entities(id),
      check ((role in ('admin','applicant')) = (entity_id is null))
    );
    create unique index user_roles_unique on user_roles (user_id, role, coalesce(entity_id, '00000000-0000-0000-0000-000000000000'));

    -- One row per entity: the serialization point for voucher numbers and the hash chain.
    create table entity_books (
      entity_id uuid primary key references entities(id),
      chain_length bigint not null default 0,
      chain_head text not null default repeat('0', 64)
    );

    create table voucher_counters (
      entity_id uuid not null references entities(id),
      year integer not null,
      last_seq integer not null check (last_seq > 0),
      primary key (entity_id, year)
    );

    create table accounts (
      entity_id uuid not null references entities(id),
      code text not null check (code ~ '^[0-9]{4,12}$'),
      name text not null check (length(name) between 1 and 100),
      type text not null check (type in ('asset','liability','net_assets','revenue','expense')),
      parent_code text,
      role text,
      monetary boolean not null default false,
      is_leaf boolean not null default true,
      created_at timestamptz not null default now(),
      primary key (entity_id, code),
      foreign key (entity_id, parent_code) references accounts(entity_id, code),
      unique (entity_id, role)
    );

    create table funds (
      entity_id uuid not null references entities(id),
      code text not null check (code ~ '^[A-Za-z0-9_-]{1,40}$'),
      name text not null check (length(name) between 1 and 200),
      restricted boolean not null,
      purpose text,
      created_at timestamptz not null default now(),
      primary key (entity_id, code)
    );

    create table projects (
      id uuid primary key default gen_random_uuid(),
      entity_id uuid not null references entities(id),
      code text not null check (code ~ '^[A-Za-z0-9_-]{1,60}$'),
      name text not null check (length(name) between 1 and 200),
      starts_on date,
      ends_on date,
      created_at timestamptz not null default now(),
      unique (entity_id, code),
      unique (id, entity_id),
      check (ends_on is null or starts_on is null or ends_on >= starts_on)
    );

    create table entries (
      id uuid primary key default gen_random_uuid(),
      entity_id uuid not null references entities(id),
      seq bigserial not null unique,
      number text,
      voucher_year integer,
      voucher_seq integer,
      date date not null,
      memo text not null check (length(memo) between 1 and 500),
      status text not null check (status in ('pending_approval','posted')),
      kind text not null default 'journal'
        check (kind in ('journal','receipt','payment','reversal','year_end_close','grant_disbursement','grant_receipt','grant_refund')),
      reversal_of uuid references entries(id),
      reversal_reason text,
      details jsonb not null default '{}'::jsonb,
      -- Lines of an entry waiting for approval live here; they enter entry_lines (and so every
      -- balance) only when the entry is posted.
      pending_lines jsonb,
      created_by uuid references users(id),
      created_at timestamptz not null default now(),
      approved_by uuid references users(id),
      approved_at timestamptz,
      chain_index bigint,
      prev_hash text,
      hash text,
      unique (entity_id, number),
      unique (entity_id, voucher_year, voucher_seq),
      unique (entity_id, chain_index),
      unique (reversal_of),
      unique (id, entity_id, date),
      check ((status = 'posted') = (number is not null and hash is not null and chain_index is not null)),
      check ((reversal_of is null) = (reversal_reason is null)),
      check ((status = 'pending_approval') = (pending_lines is not null))
    );
    create index entries_entity_date on entries (entity_id, date, seq);
    create index entries_entity_status on entries (entity_id, status) where status = 'pending_approval';

    create table entry_lines (
      id bigserial primary key,
      entry_id uuid not null,
      entity_id uuid not null,
      date date not null,
      line_no integer not null check (line_no > 0),
      account_code text not null,
      fund_code text not null,
      project_id uuid,
      debit numeric(20,2),
      credit numeric(20,2),
      memo text,
      foreign key (entry_id, entity_id, date) references entries(id, entity_id, date),
      foreign key (entity_id, account_code) references accounts(entity_id, code),
      foreign key (entity_id, fund_code) references funds(entity_id, code),
      foreign key (project_id, entity_id) references projects(id, entity_id),
      check ((debit is null) <> (credit is null)),
      check (coalesce(debit, credit) > 0),
      unique (entry_id, line_no)
    );
    create index entry_lines_account_date on entry_lines (entity_id, account_code, date);

    -- Derived, maintained in the posting transaction: sums of posted lines per account, fund and day.
    create table daily_balances (
      entity_id uuid not null references entities(id),
      account_code text not null,
      fund_code text not null,
      day date not null,
      debit numeric(20,2) not null default 0,
      credit numeric(20,2) not null default 0,
      primary key (entity_id, account_code, fund_code, day)
    );

    create table periods (
      entity_id uuid not null references entities(id),
      period text not null check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
      closed_at timestamptz not null default now(),
      closed_by uuid references users(id),
      closing_entry_id uuid references entries(id),
      primary key (entity_id, period)
    );

    create table reconciliations (
      id uuid primary key default gen_random_uuid(),
      entity_id uuid not null references entities(id),
      date date not null,
      cash_counted numeric(20,2) not null check (cash_counted >= 0),
      bank_statement_balance numeric(20,2) not null,
      cash_book numeric(20,2) not null,
      bank_book numeric(20,2) not null,
      note text,
      created_by uuid references users(id),
      created_at timestamptz not null default now()
    );
    create index reconciliations_entity_date on reconciliations (entity_id, date);

    create table attachments (
      id uuid primary key default gen_random_uuid(),
      entity_id uuid not null,
      entry_id uuid not null references entries(id),
      filename text not null,
      content_type text not null check (content_type in ('image/jpeg','image/png','application/pdf')),
      size integer not null check (size > 0 and size <= 5242880),
      sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
      data bytea not null,
      created_by uuid references users(id),
      created_at timestamptz not null default now()
    );
    create index attachments_entry on attachments (entry_id);

    create table idempotency_keys (
      scope text not null,
      key text not null,
      request_hash text not null,
      status integer,
      response jsonb,
      created_at timestamptz not null default now(),
      primary key (scope, key)
    );

    -- Append-only journal: posted rows never change; a pending entry may only become posted.
    create function refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'table % is append-only', tg_table_name using errcode = 'P0001', hint = 'append_only';
    end $$;

    create function guard_entry_update() returns trigger language plpgsql as $$
    begin
      if old.status = 'pending_approval' and new.status = 'posted'
         and new.id = old.id and new.entity_id = old.entity_id and new.date = old.date and new.memo = old.memo
         and new.kind = old.kind and new.details = old.details and new.created_by is not distinct from old.created_by
         and new.reversal_of is not distinct from old.reversal_of and new.created_at = old.created_at
         and new.pending_lines is null then
        return new;
      end if;
      raise exception 'entries are append-only (entry %)', old.id using errcode = 'P0001', hint = 'append_only';
    end $$;

    create trigger entries_no_update before update on entries for each row execute function guard_entry_update();
    create trigger entries_no_delete before delete on entries for each row execute function refuse_change();
    create trigger entries_no_truncate before truncate on entries for each statement execute function refuse_change();
    create trigger entry_lines_no_change before update or delete on entry_lines for each row execute function refuse_change();
    create trigger entry_lines_no_truncate before truncate on entry_lines for each statement execute function refuse_change();
    create trigger attachments_no_change before update or delete on attachments for each row execute function refuse_change();
    create trigger periods_no_change before update or delete on periods for each row execute function refuse_change();

    -- Debits equal credits, in total and per fund, checked when the transaction commits.
    create function check_entry_balanced(target uuid) returns void language plpgsql as $$
    declare
      line_count integer;
      unbalanced_fund text;
    begin
      select count(*) into line_count from entry_lines where entry_id = target;
      if line_count < 2 then
        raise exception 'entry % has % lines; an entry needs at least two', target, line_count
          using errcode = '23514', hint = 'entry_not_balanced';
      end if;
      select fund_code into unbalanced_fund from entry_lines where entry_id = target
        group by fund_code having coalesce(sum(debit), 0) <> coalesce(sum(credit), 0) limit 1;
      if unbalanced_fund is not null then
        raise exception 'entry % does not balance in fund %', target, unbalanced_fund
          using errcode = '23514', hint = 'entry_not_balanced';
      end if;
    end $$;

    create function entries_balanced_trigger() returns trigger language plpgsql as $$
    begin
      if new.status = 'posted' then
        perform check_entry_balanced(new.id);
      end if;
      return null;
    end $$;

    create function lines_balanced_trigger() returns trigger language plpgsql as $$
    begin
      perform check_entry_balanced(new.entry_id);
      return null;
    end $$;

    create constraint trigger entries_balanced after insert or update on entries
      deferrable initially deferred for each row execute function entries_balanced_trigger();
    create constraint trigger entry_lines_balanced after insert on entry_lines
      deferrable initially deferred for each row execute function lines_balanced_trigger();

    -- No posting into a closed month, whatever path the row takes.
    create function guard_closed_period() returns trigger language plpgsql as $$
    begin
      if new.status = 'posted' and exists (
        select 1 from periods where entity_id = new.entity_id and period = to_char(new.date, 'YYYY-MM')
      ) then
        raise exception 'period % of entity % is closed', to_char(new.date, 'YYYY-MM'), new.entity_id
          using errcode = 'P0001', hint = 'period_closed';
      end if;
      return new;
    end $$;
    create trigger entries_closed_period before insert or update on entries
      for each row execute function guard_closed_period();
  `);

  await knex('chart_template').insert(CHART_2004);
}

export async function down(): Promise<void> {
  throw new Error('the ledger migration cannot be undone: books are never dropped by a migration');
}
