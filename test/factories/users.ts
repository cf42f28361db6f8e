import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { DemoSeedService } from '../../src/database/demo-seed.service';
import { OrganizationService } from '../../src/organization/organization.service';
import { Role } from '../../src/users/roles';
import { User } from '../../src/users/user.entity';
import { UsersService } from '../../src/users/users.service';
import { TestApp } from './test-app';

export const TEST_PASSWORD = 'correct horse 電池 ホチキス';

let sequence = 0;

/** A user with the given roles; the password is TEST_PASSWORD unless given. */
export async function createUser(
  t: TestApp,
  input: { roles: Role[]; login?: string; name?: string; divisionCode?: string; password?: string; mustChangePassword?: boolean },
): Promise<User> {
  sequence += 1;
  const division = input.divisionCode ? await t.app.get(OrganizationService).findCurrentDivisionByCode(input.divisionCode) : null;
  if (input.divisionCode && !division) throw new Error(`no division ${input.divisionCode}`);
  return t.app.get(UsersService).createWithPassword(
    {
      login: input.login ?? `user${sequence}-${input.roles.join('-')}`,
      name: input.name ?? `テスト 利用者${sequence}`,
      roles: input.roles,
      email: null,
      divisionId: division?.id ?? null,
    },
    input.password ?? TEST_PASSWORD,
    input.mustChangePassword ?? false,
  );
}

/** The demo organization and demo accounts (see DemoSeedService). */
export async function seedDemo(t: TestApp): Promise<void> {
  await t.app.get(DemoSeedService).seed();
}

/** The CSRF token in the first form of a page. */
export async function csrfToken(agent: TestAgent, path: string): Promise<string> {
  const res = await agent.get(path);
  const match = /name="_csrf" value="([^"]+)"/.exec(res.text);
  if (!match) throw new Error(`no CSRF token on ${path} (status ${res.status})`);
  return match[1];
}

/** A supertest agent (keeps cookies) signed in as the given user. */
export async function signIn(t: TestApp, login: string, password = TEST_PASSWORD): Promise<TestAgent> {
  const agent = request.agent(t.app.getHttpServer());
  const token = await csrfToken(agent, '/login');
  const res = await agent.post('/login').type('form').send({ _csrf: token, login, password });
  if (res.status !== 303) throw new Error(`login as ${login} failed with ${res.status}`);
  return agent;
}
