/**
 * Our database functions raise P0001 with the domain code in HINT, a message written for the
 * caller, and field errors and extra members as JSON in DETAIL. Here they become DomainErrors
 * again, so every layer above the queries sees one kind of operating error.
 */
import { DomainError, FieldError } from '../shared/errors';

export function domainErrorFrom(error: unknown): DomainError | null {
  const e = error as { code?: string; hint?: string | null; message?: string; detail?: string | null } | null;
  if (!e || e.code !== 'P0001' || !e.hint || !/^[a-z_]+$/.test(e.hint) || !e.message) return null;
  const detail = parseDetail(e.detail ?? undefined);
  return new DomainError(e.hint, withoutQuery(e.message), detail);
}

/** Runs a query, rethrowing the database's domain errors as DomainErrors. */
export async function withDomainErrors<T>(query: Promise<T>): Promise<T> {
  try {
    return await query;
  } catch (error) {
    throw domainErrorFrom(error) ?? error;
  }
}

/** knex prefixes a failed raw query's message with its SQL ("select … - message"); the caller sees only the message. */
function withoutQuery(message: string): string {
  const cut = message.lastIndexOf(' - ');
  return cut >= 0 && /^(select|insert|update|with)\b/i.test(message) ? message.slice(cut + 3) : message;
}

function parseDetail(detail: string | undefined): { errors: FieldError[]; extra: Record<string, unknown> } {
  if (!detail || !detail.startsWith('{')) return { errors: [], extra: {} };
  try {
    const parsed = JSON.parse(detail) as { errors?: FieldError[]; extra?: Record<string, unknown> };
    return { errors: Array.isArray(parsed.errors) ? parsed.errors : [], extra: parsed.extra && typeof parsed.extra === 'object' ? parsed.extra : {} };
  } catch {
    return { errors: [], extra: {} };
  }
}
