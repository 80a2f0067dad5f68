/**
 * What routes answer, as the OpenAPI document promises it: the problem details every route may
 * answer instead, and the check that holds a route's JSON answer to its declared schema (run
 * under test only, so a drift fails a test; production answers are never refused here).
 */
import type Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv/dist/2020';
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
    accountCode: Extra('insufficient_funds: the money account that would go below zero; amount_too_large on closing a December: the account whose year total is past the largest amount.'),
    fundCode: Extra('insufficient_funds: the restricted fund that would go below zero; amount_too_large on closing a December: the fund of that total.'),
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

/**
 * The served document itself, as a client's validator reads it: zod accepting an answer is not
 * enough if the JSON Schema generated from it says otherwise (a nullable reference rendered as
 * allOf, a nullable date whose override dropped the null). Under test the app hands its
 * document here, and each answer is validated against its operation's schema (JSON Schema
 * 2020-12, as OpenAPI 3.1 uses).
 */
let served: { ajv: Ajv2020; paths: Set<string>; validators: Map<string, ValidateFunction> } | null = null;

export function checkAnswersAgainst(document: object): void {
  // Loaded here, not at the top: ajv is a test tool (a devDependency), never needed in production.
  const { default: Ajv } = require('ajv/dist/2020') as { default: typeof Ajv2020 };
  const { default: addFormats } = require('ajv-formats') as { default: (ajv: Ajv2020) => void };
  const ajv = new Ajv({ strict: false, allErrors: false });
  addFormats(ajv);
  ajv.addSchema({ ...document, $id: 'openapi.json' });
  served = { ajv, paths: new Set(Object.keys((document as { paths?: object }).paths ?? {})), validators: new Map() };
}

export function checkAnswerInDocument(route: string, path: string, method: string, status: number, body: unknown): void {
  // A route outside the served document (a test's own probe router) has nothing to check against.
  if (!served || !served.paths.has(path)) return;
  const pointer = ['paths', path, method, 'responses', String(status), 'content', 'application/json', 'schema']
    .map((token) => encodeURIComponent(token.replace(/~/g, '~0').replace(/\//g, '~1')))
    .join('/');
  const key = `openapi.json#/${pointer}`;
  let validate = served.validators.get(key);
  if (!validate) {
    validate = served.ajv.getSchema(key);
    if (!validate) throw contractBroken(route, `the served document has no JSON schema for ${status}`);
    served.validators.set(key, validate);
  }
  if (!validate(body)) {
    const issues = (validate.errors ?? []).slice(0, 3).map((error) => `${error.instancePath || '(body)'} ${error.message ?? ''} (${error.schemaPath})`);
    throw contractBroken(route, `the served OpenAPI document refuses it: ${issues.join('; ')}`);
  }
}
