import request from 'supertest';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, signIn } from '../factories/users';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('redirects an anonymous visitor to the login page', async () => {
    const res = await request(t.app.getHttpServer()).get('/');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2F');
  });

  it('signs in and shows the dashboard with the user name', async () => {
    const user = await createUser(t, { roles: ['staff'] });
    const agent = await signIn(t, user.login);
    const res = await agent.get('/');
    expect(res.status).toBe(200);
    expect(res.text).toContain(user.name);
    expect(res.headers['cache-control']).toBe('no-store');
  });
});
