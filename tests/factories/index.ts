/**
 * Test data factories. Each test makes its own data; users get a token signed with the test
 * secret (the same tokens login issues), so tests need not pay argon2 for every user.
 */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Actor, Role } from '../../src/auth/actor';
import { insertRoles, insertUser, loadActor } from '../../src/auth/queries';
import { hashPassword } from '../../src/auth/passwords';
import { signToken } from '../../src/auth/tokens';
import * as ledger from '../../src/ledger/service';
import type { TestContext } from '../support/context';

let passwordHash: Promise<string> | undefined;
export const FACTORY_PASSWORD = 'factory-password-1';

export interface TestUser {
  id: string;
  username: string;
  token: string;
  actor: Actor;
  auth: { Authorization: string };
}

export function uniqueCode(prefix = 'E'): string {
  return `${prefix}-${crypto.randomBytes(4).toString('hex')}`;
}

export async function createUser(ctx: TestContext, roles: { role: Role; entityId?: string | null }[], options: { username?: string; displayName?: string } = {}): Promise<TestUser> {
  passwordHash ??= hashPassword(FACTORY_PASSWORD);
  const username = options.username ?? uniqueCode('u').toLowerCase();
  const user = await insertUser(ctx.db, { username, displayName: options.displayName ?? `测试用户${username.slice(-4)}`, passwordHash: await passwordHash });
  await insertRoles(ctx.db, user.id, roles.map((grant) => ({ role: grant.role, entityId: grant.entityId ?? null })));
  const token = signToken(ctx.config.jwtSecret, user.id);
  const actor = (await loadActor(ctx.db, user.id)) as Actor;
  return { id: user.id, username, token, actor, auth: { Authorization: `Bearer ${token}` } };
}

const adminUser: Map<Knex, Promise<TestUser>> = new Map();

export function admin(ctx: TestContext): Promise<TestUser> {
  if (!adminUser.has(ctx.db)) adminUser.set(ctx.db, createUser(ctx, [{ role: 'admin' }]));
  return adminUser.get(ctx.db) as Promise<TestUser>;
}

export async function createEntity(ctx: TestContext, options: { kind?: 'station' | 'foundation'; approvalThreshold?: string | null; name?: string; code?: string } = {}) {
  const boss = await admin(ctx);
  return ledger.createEntity(ctx.db, boss.actor, {
    code: options.code ?? uniqueCode(options.kind === 'foundation' ? 'F' : 'S'),
    name: options.name ?? (options.kind === 'foundation' ? '测试社区基金会' : '测试社区公益站'),
    kind: options.kind ?? 'station',
    approvalThreshold: options.approvalThreshold ?? null,
  });
}

/** A station with a treasurer and a supervisor. */
export async function stationWithStaff(ctx: TestContext, options: { approvalThreshold?: string | null; name?: string } = {}) {
  const entity = await createEntity(ctx, { kind: 'station', ...options });
  const treasurer = await createUser(ctx, [{ role: 'treasurer', entityId: entity.id }]);
  const supervisor = await createUser(ctx, [{ role: 'supervisor', entityId: entity.id }]);
  return { entity, treasurer, supervisor };
}

/** A foundation with a treasurer, a grant manager and two reviewers. */
export async function foundationWithStaff(ctx: TestContext, options: { approvalThreshold?: string | null; name?: string } = {}) {
  const entity = await createEntity(ctx, { kind: 'foundation', ...options });
  const treasurer = await createUser(ctx, [{ role: 'treasurer', entityId: entity.id }]);
  const grantManager = await createUser(ctx, [{ role: 'grant_manager', entityId: entity.id }]);
  const reviewers = [
    await createUser(ctx, [{ role: 'reviewer', entityId: entity.id }]),
    await createUser(ctx, [{ role: 'reviewer', entityId: entity.id }]),
  ];
  return { entity, treasurer, grantManager, reviewers };
}

/** Puts money into the books through the receipt shortcut (the path a treasurer uses). */
export async function receive(ctx: TestContext, treasurer: TestUser, entityId: string, amount: string, options: { date?: string; method?: 'cash' | 'bank'; kind?: 'donation' | 'parking' | 'recycling' | 'subsidy' | 'other'; fundCode?: string; payer?: string } = {}) {
  const result = await ledger.recordReceipt(ctx.db, treasurer.actor, entityId, {
    kind: options.kind ?? 'parking',
    date: options.date ?? '2026-03-05',
    amount,
    method: options.method ?? 'cash',
    fundCode: options.fundCode,
    payer: options.payer,
  });
  return result.body;
}
