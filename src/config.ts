/**
 * Configuration: process.env parsed once with zod into a frozen, typed object. Secrets have
 * no defaults in production; in development the JWT secret is random per data directory
 * (kept in DATA_DIR so tokens survive a restart).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** Secrets shorter than these start the service with a warning (in production, a short JWT_SECRET does not start it). */
const ADVISED_LENGTH = { JWT_SECRET: 16, ADMIN_PASSWORD: 8 } as const;

const EnvSchema = z.object({
  // Case and spaces are forgiven; any other value is refused, so a misspelt production never
  // starts as development (with demo users whose password is public).
  NODE_ENV: z.string().trim().toLowerCase().pipe(z.enum(['development', 'production', 'test'], 'NODE_ENV is development, production or test')).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z
    .string()
    .min(1, 'is empty: leave it unset to use the embedded PostgreSQL under DATA_DIR')
    .refine((value) => value === '' || (/^postgres(ql)?:\/\//.test(value) && URL.canParse(value)), 'must be a postgres:// or postgresql:// URL, e.g. postgres://user:password@localhost:5432/ledger')
    .optional(),
  DATA_DIR: z.string().min(1).default('./.data'),
  JWT_SECRET: z.string().min(1, 'JWT_SECRET is empty').optional(),
  ADMIN_PASSWORD: z.string().min(1, 'ADMIN_PASSWORD is empty').optional(),
  DEMO_DATA: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['0', '1', 'false', 'true', 'no', 'yes'], 'DEMO_DATA is 1 or 0'))
    .transform((value) => value === '1' || value === 'true' || value === 'yes')
    .optional(),
  PUBLIC_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  databaseUrl: string | undefined;
  dataDir: string;
  jwtSecret: string;
  adminPassword: string | undefined;
  demoData: boolean;
  publicUrl: string;
  logLevel: string;
  loginRateLimit: number;
  /** What the operator should know about the settings; the service logs them at start. */
  warnings: string[];
}

/** A setting the service cannot start with: said in a line (or a few), without a stack. */
export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
  }
  const values = parsed.data;
  const production = values.NODE_ENV === 'production';
  if (production && !values.JWT_SECRET) {
    throw new ConfigError('JWT_SECRET is required when NODE_ENV=production');
  }
  // Anyone holding a token can test guesses of a short secret offline and then sign any token.
  if (production && values.JWT_SECRET!.length < ADVISED_LENGTH.JWT_SECRET) {
    throw new ConfigError(`JWT_SECRET must be at least ${ADVISED_LENGTH.JWT_SECRET} characters when NODE_ENV=production`);
  }
  const dataDir = path.resolve(values.DATA_DIR);
  const warnings = (Object.keys(ADVISED_LENGTH) as (keyof typeof ADVISED_LENGTH)[])
    .filter((name) => values[name] !== undefined && values[name].length < ADVISED_LENGTH[name])
    .map((name) => `${name} is shorter than ${ADVISED_LENGTH[name]} characters: choose a longer one`);
  return Object.freeze({
    env: values.NODE_ENV,
    port: values.PORT,
    databaseUrl: values.DATABASE_URL,
    dataDir,
    jwtSecret: values.JWT_SECRET ?? developmentSecret(dataDir),
    adminPassword: values.ADMIN_PASSWORD,
    demoData: values.DEMO_DATA ?? !production,
    publicUrl: values.PUBLIC_URL ?? `http://localhost:${values.PORT}`,
    logLevel: values.LOG_LEVEL,
    loginRateLimit: values.LOGIN_RATE_LIMIT,
    warnings,
  });
}

/** A random secret kept beside the development database, so restarts keep sessions valid. */
function developmentSecret(dataDir: string): string {
  const file = path.join(dataDir, 'jwt-secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    const secret = crypto.randomBytes(32).toString('hex');
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  }
}
