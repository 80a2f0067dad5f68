/**
 * Commands and parameters of public disclosure, named like their inferred types. A period is
 * a month (YYYY-MM), a quarter (YYYY-Qn) or a year (YYYY); unknown fields are refused.
 */
import { z } from 'zod';
import { FIRST_YEAR } from '../shared/dates';
import { Pagination, Uuid } from '../shared/schemas';

export const PERIOD_PATTERN = /^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$/;

export const PeriodString = z
  .string({ error: (issue) => (issue.input === undefined ? 'required' : 'a period YYYY-MM, YYYY-Qn or YYYY') })
  .regex(PERIOD_PATTERN, 'a period YYYY-MM, YYYY-Qn or YYYY')
  .refine((period) => parseInt(period.slice(0, 4), 10) >= FIRST_YEAR, `a period from ${FIRST_YEAR} on`)
  .openapi({ example: '2026-Q1' });

export const PublishCommand = z
  .object({
    period: PeriodString,
    /** Why a period is published again; printed on the new version. */
    reason: z.string().trim().min(1, 'required').max(500).optional(),
  })
  .strict()
  .openapi('PublishDisclosureCommand');
export type PublishCommand = z.infer<typeof PublishCommand>;

export const CountersignCommand = z
  .object({ note: z.string().trim().min(1).max(1000).optional() })
  .strict()
  .openapi('CountersignDisclosureCommand');
export type CountersignCommand = z.infer<typeof CountersignCommand>;

export const DisclosureParams = z.object({ id: Uuid });
/** Without `entityId`, every entity's reports; still strict: an unknown parameter is a 400. */
export const PublicListQuery = Pagination.extend({ entityId: Uuid.optional() }).strict();
export type PublicListQuery = z.infer<typeof PublicListQuery>;
