/**
 * The migrated database each test database is copied from: one per test run (global setup names
 * it), so two runs on one server do not drop each other's, and the run drops it at its end.
 */
export function templateDb(): string {
  return process.env.TEST_TEMPLATE_DB ?? 't_template';
}

/** The same server, database `postgres`. */
export function adminUrlFrom(url: string): string {
  const parsed = new URL(url);
  parsed.pathname = '/postgres';
  return parsed.toString();
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
