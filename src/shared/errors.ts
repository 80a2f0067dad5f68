/**
 * Operating errors of the domain. A DomainError carries a stable snake_case code that names
 * the rule broken; `http/problem.ts` maps codes to HTTP statuses in one table. Nothing here
 * knows about HTTP.
 */
export interface FieldError {
  path: string;
  message: string;
}

export class DomainError extends Error {
  readonly code: string;
  readonly errors: FieldError[];
  readonly extra: Record<string, unknown>;

  constructor(code: string, message: string, options: { errors?: FieldError[]; extra?: Record<string, unknown> } = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.errors = options.errors ?? [];
    this.extra = options.extra ?? {};
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
