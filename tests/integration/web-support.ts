/**
 * Helpers for the web page tests: read the CSRF token out of a rendered form and log a
 * supertest agent in through the login page, so the cookie jar carries the session.
 */
import type supertest from 'supertest';
import type { TestContext } from '../support/context';
import { FACTORY_PASSWORD, stationWithStaff, TestUser } from '../factories';

export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF token in the page');
  return match[1];
}

export async function formToken(agent: supertest.Agent, path: string): Promise<string> {
  const page = await agent.get(path).expect(200);
  return csrfOf(page.text);
}

export async function webLogin(agent: supertest.Agent, user: TestUser): Promise<void> {
  const token = await formToken(agent, '/login');
  const response = await agent.post('/login').type('form').send({ _csrf: token, username: user.username, password: FACTORY_PASSWORD });
  if (response.status !== 303) throw new Error(`login failed with ${response.status}`);
}

/** A station with staff, and a web agent logged in as its treasurer, with the pages' base path. */
export async function treasurerAgent(ctx: TestContext, options: { approvalThreshold?: string } = {}) {
  const staff = await stationWithStaff(ctx, options);
  const agent = ctx.request();
  await webLogin(agent, staff.treasurer);
  return { ...staff, agent, base: `/app/e/${staff.entity.code}` };
}
