/**
 * Grant rounds (公益创投): rounds, applications, reviewer assignments, reviews, tranches,
 * disbursements, reports, refunds and the history of every status transition.
 *
 * The service checks the money rules; the schema enforces them again: a round's committed
 * total never passes its budget, an application's disbursed total never passes its award, and
 * refunds never pass what was disbursed. Journal entries live in the ledger's tables; grant
 * rows only point at them.
 */
import { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table grant_rounds (
      id uuid primary key default gen_random_uuid(),
      seq bigserial not null unique,
      entity_id uuid not null references entities(id),
      title text not null check (length(title) between 1 and 200),
      description text not null,
      budget numeric(20,2) not null check (budget > 0),
      committed numeric(20,2) not null default 0 check (committed >= 0),
      fund_code text not null,
      opens_at timestamptz not null,
      closes_at timestamptz not null,
      rubric jsonb not null,
      min_reviews integer not null check (min_reviews between 1 and 20),
      created_by uuid not null references users(id),
      created_at timestamptz not null default now(),
      check (closes_at > opens_at),
      check (committed <= budget),
      foreign key (entity_id, fund_code) references funds(entity_id, code)
    );
    create index grant_rounds_entity on grant_rounds (entity_id, seq);

    create table grant_applications (
      id uuid primary key default gen_random_uuid(),
      seq bigserial not null unique,
      round_id uuid not null references grant_rounds(id),
      entity_id uuid not null references entities(id),
      applicant_id uuid not null references users(id),
      status text not null check (status in ('draft','submitted','under_review','approved','rejected','active','reporting','closed','withdrawn')),
      title text not null check (length(title) between 1 and 200),
      organization text not null,
      contact text not null,
      summary text not null,
      beneficiaries text,
      requested_amount numeric(20,2) not null check (requested_amount > 0),
      budget_lines jsonb not null,
      station_entity_id uuid references entities(id),
      amount_awarded numeric(20,2) check (amount_awarded > 0),
      disbursed numeric(20,2) not null default 0 check (disbursed >= 0),
      refunded numeric(20,2) not null default 0 check (refunded >= 0),
      decision text check (decision in ('approved','rejected')),
      decision_reason text,
      decided_by uuid references users(id),
      decided_at timestamptz,
      project_id uuid references projects(id),
      station_fund_code text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check (amount_awarded is null or amount_awarded <= requested_amount),
      check (disbursed <= coalesce(amount_awarded, 0)),
      check (refunded <= disbursed),
      check ((decision = 'approved') = (amount_awarded is not null))
    );
    create index grant_applications_round on grant_applications (round_id, seq);
    create index grant_applications_applicant on grant_applications (applicant_id, seq);

    create table grant_history (
      id bigserial primary key,
      application_id uuid not null references grant_applications(id),
      from_status text,
      to_status text not null,
      actor_id uuid not null references users(id),
      at timestamptz not null default now(),
      note text
    );
    create index grant_history_application on grant_history (application_id, id);

    create table grant_reviewers (
      application_id uuid not null references grant_applications(id),
      reviewer_id uuid not null references users(id),
      assigned_by uuid not null references users(id),
      assigned_at timestamptz not null default now(),
      primary key (application_id, reviewer_id)
    );

    create table grant_reviews (
      id uuid primary key default gen_random_uuid(),
      application_id uuid not null,
      reviewer_id uuid not null,
      conflict_of_interest boolean not null,
      scores jsonb not null default '{}'::jsonb,
      comment text,
      created_at timestamptz not null default now(),
      unique (application_id, reviewer_id),
      foreign key (application_id, reviewer_id) references grant_reviewers(application_id, reviewer_id),
      -- A recusal carries no scores; a review without a conflict carries them.
      check (conflict_of_interest = (scores = '{}'::jsonb))
    );

    create table grant_tranches (
      id uuid primary key default gen_random_uuid(),
      application_id uuid not null references grant_applications(id),
      position integer not null check (position > 0),
      amount numeric(20,2) not null check (amount > 0),
      condition text not null check (condition in ('on_signing','after_progress_report','after_final_report')),
      label text,
      unique (application_id, position)
    );

    create table grant_disbursements (
      id uuid primary key default gen_random_uuid(),
      application_id uuid not null references grant_applications(id),
      amount numeric(20,2) not null check (amount > 0),
      date date not null,
      method text not null check (method in ('cash','bank')),
      entry_id uuid not null references entries(id),
      station_entry_id uuid references entries(id),
      created_by uuid not null references users(id),
      created_at timestamptz not null default now()
    );
    create index grant_disbursements_application on grant_disbursements (application_id, created_at);

    create table grant_reports (
      id uuid primary key default gen_random_uuid(),
      application_id uuid not null references grant_applications(id),
      kind text not null check (kind in ('progress','final')),
      narrative text not null,
      spent numeric(20,2) not null check (spent >= 0),
      lines jsonb not null default '[]'::jsonb,
      created_by uuid not null references users(id),
      created_at timestamptz not null default now()
    );
    create index grant_reports_application on grant_reports (application_id, created_at);
    create unique index grant_reports_one_final on grant_reports (application_id) where kind = 'final';

    create table grant_refunds (
      id uuid primary key default gen_random_uuid(),
      application_id uuid not null references grant_applications(id),
      amount numeric(20,2) not null check (amount > 0),
      date date not null,
      entry_id uuid not null references entries(id),
      station_entry_id uuid references entries(id),
      created_by uuid not null references users(id),
      created_at timestamptz not null default now()
    );
    create index grant_refunds_application on grant_refunds (application_id, created_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists grant_refunds;
    drop table if exists grant_reports;
    drop table if exists grant_disbursements;
    drop table if exists grant_tranches;
    drop table if exists grant_reviews;
    drop table if exists grant_reviewers;
    drop table if exists grant_history;
    drop table if exists grant_applications;
    drop table if exists grant_rounds;
  `);
}
