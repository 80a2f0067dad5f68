/**
 * Read-only lookups the grants pages need and the grants service does not offer as use
 * cases: the reviewers a grant manager may pick from, a reviewer's own assignments with
 * whether they have answered, the name of a grant's fund in the station's books and the voucher
 * numbers of a grant's postings. Who may see what is still decided by the page's role check
 * before these run; nothing here writes or decides a rule.
 */
import type { Knex } from 'knex';

export interface ReviewerChoice {
  id: string;
  display_name: string;
}

/** Users holding the reviewer role on the foundation (deleted users left out), by name. */
export async function reviewersOfFoundation(db: Knex, entityId: string): Promise<ReviewerChoice[]> {
  return db('user_roles as r')
    .join('users as u', 'u.id', 'r.user_id')
    .whereNull('u.deleted_at')
    .where({ 'r.role': 'reviewer', 'r.entity_id': entityId })
    .orderBy('u.display_name')
    .select('u.id', 'u.display_name');
}

export interface AssignmentRow {
  application_id: string;
  title: string;
  organization: string;
  status: string;
  round_title: string;
  entity_name: string;
  assigned_at: Date;
  reviewed_at: Date | null;
  conflict_of_interest: boolean | null;
}

/** Applications assigned to a reviewer, newest first, with their own review if they gave one. */
export async function assignmentsOf(db: Knex, reviewerId: string): Promise<AssignmentRow[]> {
  return db('grant_reviewers as r')
    .join('grant_applications as a', 'a.id', 'r.application_id')
    .join('grant_rounds as g', 'g.id', 'a.round_id')
    .join('entities as e', 'e.id', 'a.entity_id')
    .leftJoin('grant_reviews as v', function ownReview() {
      this.on('v.application_id', '=', 'r.application_id').andOn('v.reviewer_id', '=', 'r.reviewer_id');
    })
    .where('r.reviewer_id', reviewerId)
    // A reviewer who no longer holds the role on the foundation no longer sees its applications.
    .whereExists(function stillReviewer() {
      this.select(db.raw('1')).from('user_roles as u').whereRaw('u.user_id = r.reviewer_id and u.entity_id = a.entity_id').andWhere('u.role', 'reviewer');
    })
    .orderBy('r.assigned_at', 'desc')
    .limit(500)
    .select(
      'a.id as application_id',
      'a.title',
      'a.organization',
      'a.status',
      'g.title as round_title',
      'e.name as entity_name',
      'r.assigned_at',
      'v.created_at as reviewed_at',
      'v.conflict_of_interest',
    );
}

/**
 * The voucher numbers of entries by id, for the entries a grant posted (in the foundation's
 * books and the station's mirror). A grant manager reads them on the grant's page though the
 * station's books are not theirs to open: the numbers are printed in both books' public
 * reports anyway. Unknown ids are missing; an entry without a number (never a grant's, which
 * post at once) maps to null.
 */
export async function voucherNumbersOf(db: Knex, entryIds: string[]): Promise<Map<string, string | null>> {
  if (entryIds.length === 0) return new Map();
  const rows: { id: string; number: string | null }[] = await db('entries').whereIn('id', [...new Set(entryIds)]).select('id', 'number');
  return new Map(rows.map((row) => [row.id, row.number]));
}

/** The name of a fund in an entity's books (the grant's restricted fund in the station's), or null. */
export async function fundNameOf(db: Knex, entityId: string, code: string): Promise<string | null> {
  const row: { name: string } | undefined = await db('funds').where({ entity_id: entityId, code }).first('name');
  return row?.name ?? null;
}

export interface ReviewProgress {
  application_id: string;
  assigned: number;
  scored: number;
  recused: number;
}

/** For each application of a round: reviewers assigned, reviews given with scores, recusals. */
export async function reviewProgressOfRound(db: Knex, roundId: string): Promise<Map<string, ReviewProgress>> {
  const result = await db.raw(
    `select a.id as application_id,
            (select count(*) from grant_reviewers r where r.application_id = a.id)::int as assigned,
            (select count(*) from grant_reviews v where v.application_id = a.id and not v.conflict_of_interest)::int as scored,
            (select count(*) from grant_reviews v where v.application_id = a.id and v.conflict_of_interest)::int as recused
       from grant_applications a where a.round_id = ?`,
    [roundId],
  );
  return new Map((result.rows as ReviewProgress[]).map((row) => [row.application_id, row]));
}
