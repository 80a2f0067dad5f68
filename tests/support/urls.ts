export const TEMPLATE_DB = 'ledger_test_template';

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
