/**
 * What routes answer, as the OpenAPI document promises it: the problem details every route may
 * answer instead, and the check that holds a route's JSON answer to its declared schema (run
 * under test only, so a drift fails a test; production answers are never refused here).
 */
import { z } from '../shared/zod';
import type { ZodType } from 'zod';
import { DomainError } from '../shared/errors';

const Extra = (description: string) => z.string().optional().openapi({ description });

/** RFC 9457 problem details with this service's `code` and the extension members problems carry. */
export const ProblemDetails = z
  .object({
    type: z.string().openapi({ example: 'urn:community-fund:problem:period_closed' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().openapi({ description: 'The rule broken, snake_case (entry_not_balanced, period_closed, …).' }),
    errors: z.array(z.object({ path: z.string().openapi({ example: 'body.lines.0.debit' }), message: z.string() })),
    requestId: Extra('500 only: quote it when reporting the error.'),
    closedThrough: Extra('period_closed: the last closed month, YYYY-MM.'),
    months: z.array(z.string()).optional().openapi({ description: 'pending_entries_in_period: the months with entries waiting for approval.' }),
    openMonths: z.array(z.string()).optional().openapi({ description: 'period_not_closed: the months still open.' }),
    accountCode: Extra('insufficient_funds: the money account that would go below zero.'),
    fundCode: Extra('insufficient_funds: the restricted fund that would go below zero.'),
    available: Extra('insufficient_funds: what the account or fund holds, money.'),
    lowestFrom: Extra('insufficient_funds: the later day on which the balance would be lowest, YYYY-MM-DD.'),
    remaining: Extra('round_budget_exceeded, disbursement_exceeds_award: what is left, money.'),
    releasable: Extra('tranche_condition_unmet: what may be paid now, money.'),
    refundable: Extra('refund_exceeds_disbursed: what may be refunded, money.'),
    refundableOn: Extra('refund_exceeds_disbursed, refund_before_disbursement: what may be refunded on that date, money.'),
    currentStatus: Extra('invalid_state: the application status.'),
    linesTotal: Extra("report_lines_mismatch: what the report's budget lines add up to, money."),
    spent: Extra('report_lines_mismatch: the total reported spent, money.'),
    paidTranches: z.number().int().optional().openapi({ description: 'invalid_state: how many tranches are paid and cannot change.' }),
    stationEntityId: Extra("A refusal by the grantee station's books: the station."),
    stationName: Extra("A refusal by the grantee station's books: the station's name."),
  })
  .catchall(z.unknown())
  .openapi('ProblemDetails');

/**
 * Holds an answer to its schema, strictly: the schema must accept it, and it may carry no
 * member the schema does not declare (zod strips unknown keys, so any key the parse left out
 * is one). Throws a 500 problem whose detail names the route, the place in the body and why.
 */
export function checkAnswer(route: string, schema: ZodType | undefined, body: unknown): void {
  if (!schema) throw contractBroken(route, 'it declares no response schema, yet answered JSON');
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
    throw contractBroken(route, issues.join('; '));
  }
  const unknown = undeclaredKeys(body, parsed.data, '');
  if (unknown.length > 0) throw contractBroken(route, `${unknown.slice(0, 5).join(', ')}: not declared in the response schema`);
}

function contractBroken(route: string, why: string): DomainError {
  return new DomainError('response_contract_broken', `${route} answered outside its OpenAPI response schema: ${why}.`);
}

function undeclaredKeys(sent: unknown, kept: unknown, path: string): string[] {
  if (Array.isArray(sent) && Array.isArray(kept)) return sent.flatMap((item, index) => undeclaredKeys(item, kept[index], `${path}${index}.`));
  if (!isRecord(sent) || !isRecord(kept)) return [];
  return Object.keys(sent).flatMap((key) => (key in kept ? undeclaredKeys(sent[key], kept[key], `${path}${key}.`) : [`${path}${key}`]));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
