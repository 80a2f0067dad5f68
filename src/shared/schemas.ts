/**
 * Building blocks of request and response schemas shared by every domain: money as decimal
 * strings, calendar dates, pagination, and the shapes answers print them in.
 */
import { z } from './zod';
import { MONEY_PATTERN } from './money';
import { FIRST_YEAR, isValidDate, isValidMonth } from './dates';

const MONEY_MESSAGE = 'money is a decimal string with at most 2 decimals, e.g. "1234.50"';

function moneyIssue(issue: { input?: unknown }): string {
  if (issue.input === undefined) return 'required';
  if (typeof issue.input === 'number') return `send money as a JSON string, e.g. "${'12.50'}", not as a number`;
  return MONEY_MESSAGE;
}

/** A non-negative amount: "0", "12", "12.5", "12.50". */
export const MoneyString = z
  .string({ error: moneyIssue })
  .regex(MONEY_PATTERN, MONEY_MESSAGE)
  .openapi({ type: 'string', example: '1234.50', pattern: MONEY_PATTERN.source });

/** A strictly positive amount. */
export const PositiveMoney = MoneyString.refine((value) => /[1-9]/.test(value), 'must be greater than zero');

/** A signed amount (bank statement balances can be overdrawn). */
export const SignedMoney = z
  .string({ error: moneyIssue })
  .regex(/^-?(0|[1-9]\d{0,17})(\.\d{1,2})?$/, MONEY_MESSAGE);

export const DateString = z
  .string({ error: (issue) => (issue.input === undefined ? 'required' : 'a date YYYY-MM-DD') })
  .refine(isValidDate, `a real calendar date YYYY-MM-DD, from ${FIRST_YEAR} on`)
  .openapi({ format: 'date', example: '2026-03-15' });

export const MonthString = z.string().refine(isValidMonth, `a month YYYY-MM, from ${FIRST_YEAR} on`).openapi({ type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$', example: '2026-03' });

export const Code = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'letters, digits, dash or underscore (1–40)');

export const Text = (max: number) => z.string().trim().min(1, 'required').max(max);

/**
 * The schemas that name a record. A path parameter they refuse names nothing, so the answer
 * is the 404 of any record that is not there (API.md), not a 400; in a query or a body the
 * same value is invalid input, a 400. A registry of its own keeps this out of the OpenAPI.
 */
export const recordKeys = z.registry<{ record: string }>();

/** A uuid as the database writes it (any case accepted): ids in paths, cursors and tokens. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const Uuid = z.uuid('not a valid id').register(recordKeys, { record: 'id' });

export const Pagination = z.object({
  // Plain digits only: Number() would also read 1e2, 0x10 and " 5".
  limit: z
    .string()
    .regex(/^\d{1,6}$/, 'a whole number from 1 to 500')
    .transform(Number)
    .pipe(z.number().int().min(1).max(500))
    .optional()
    .transform((limit) => limit ?? 50)
    .openapi({ type: 'integer', minimum: 1, maximum: 500, default: 50 }),
  cursor: z.string().max(200).optional(),
});

export const EntityParams = z.object({ entityId: Uuid });

/** Money as every answer prints it: a decimal string with exactly two decimals, maybe signed. */
export const Money = z.string().regex(/^-?\d+\.\d{2}$/).openapi({ example: '1234.50' });

/** An instant as answers print it: ISO 8601 in UTC (toISOString). */
export const Timestamp = z.iso.datetime().openapi({ example: '2026-03-15T08:30:00.000Z' });

/** An id in an answer (a path or query id is a Uuid, which names a record). */
export const Id = z.uuid();

/** A SHA-256 as lowercase hex. */
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** A list page of API.md: `{ items, nextCursor }`, the cursor null once the last item is sent. */
export function ListPage<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/** A body of bytes (a PDF, an image), for answers that are not JSON. */
export const Binary = z.string().openapi({ format: 'binary' });
