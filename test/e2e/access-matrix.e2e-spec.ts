import { fiscalYearOf } from '../../src/common/fiscal-year';
import { createHash } from 'node:crypto';
import { Attachment } from '../../src/attachments/attachment.entity';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { jstDateString } from '../../src/common/jst';
import { DEMO_PASSWORD } from '../../src/database/demo-seed.service';
import { Notification } from '../../src/notifications/notification.entity';
import { Category } from '../../src/organization/category.entity';
import { Division } from '../../src/organization/division.entity';
import { addDays } from '../../src/proposals/proposal-view.service';
import { Role } from '../../src/users/roles';
import { User } from '../../src/users/user.entity';
import { JudgingService } from '../../src/judging/judging.service';
import { AwardsService } from '../../src/awards/awards.service';
import { CallsService } from '../../src/calls/calls.service';
import { CallDto } from '../../src/calls/dto/call.dto';
import { KaizenAttachment } from '../../src/kaizen/kaizen.entities';
import { fileKaizen, kaizenStep, loadKaizen, PNG as KAIZEN_PNG } from '../factories/kaizen';
import { advance, loadProposal, postForm, proposalIdFrom, submitProposal, validProposal } from '../factories/proposals';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, csrfToken, seedDemo, signIn } from '../factories/users';

/**
 * Who may use each route the application registers. Every new route must be added here: the first
 * test fails while the table and the router disagree, in either direction.
 *   public     anyone, signed in or not
 *   signed-in  any signed-in user, whatever their roles
 *   [roles]    a signed-in user holding at least one of these roles
 */
type Access = 'public' | 'signed-in' | readonly Role[];

interface RouteRule {
  access: Access;
  /** A public page that sends a signed-in user elsewhere (the login page sends them home). */
  signedInRedirect?: string;
  /** The route ends the session that uses it; it gets a session of its own for each request. */
  endsSession?: boolean;
  /**
   * Which record its :id is. By default one every signed-in user may see (for proposals: an adopted
   * case, open to all); 'own-draft' is a draft of the persona's own, for the proposer's edit form.
   */
  sample?: 'own-draft';
  /** A query string the page needs to be a page at all (e.g. which figure to drill into). */
  query?: Record<string, string>;
  /** A concrete path to request, for routes whose parameters are not record ids. */
  example?: () => string;
  /** The example names something that exists only for a while (a download key): allowed users get 404, not 200. */
  examplesMissing?: boolean;
  /**
   * Open to every signed-in user by role, but a record only its members reach (a review round's
   * judges): the other allowed personas get 404, as if it did not exist.
   */
  membersOnly?: PersonaName[];
}

/** The 8-byte PNG signature plus an IHDR start: enough to be recognized as a PNG. */
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('0000000d49484452', 'hex'), Buffer.alloc(16)]);

const ADMIN = ['admin'] as const;
const STAFF = ['staff'] as const;
const OFFICE = ['office'] as const;
const REVIEWER = ['reviewer'] as const;

const ROUTES: Record<string, RouteRule> = {
  'GET /': { access: 'signed-in' },
  'GET /healthz': { access: 'public' },
  'GET /login': { access: 'public', signedInRedirect: '/' },
  'POST /login': { access: 'public' },
  'POST /logout': { access: 'signed-in', endsSession: true },
  'GET /account/password': { access: 'signed-in' },
  'POST /account/password': { access: 'signed-in' },
  'GET /account/notifications': { access: 'signed-in' },
  'POST /account/notifications': { access: 'signed-in' },

  'GET /admin/users': { access: ADMIN },
  'GET /admin/users/new': { access: ADMIN },
  'POST /admin/users': { access: ADMIN },
  'GET /admin/users/:id': { access: ADMIN },
  'POST /admin/users/:id': { access: ADMIN },
  'POST /admin/users/:id/disable': { access: ADMIN },
  'POST /admin/users/:id/enable': { access: ADMIN },
  'POST /admin/users/:id/reset-password': { access: ADMIN },

  'GET /admin/divisions': { access: ADMIN },
  'GET /admin/divisions/new': { access: ADMIN },
  'POST /admin/divisions': { access: ADMIN },
  'GET /admin/divisions/:id': { access: ADMIN },
  'POST /admin/divisions/:id': { access: ADMIN },

  'GET /admin/categories': { access: ADMIN },
  'GET /admin/categories/new': { access: ADMIN },
  'POST /admin/categories': { access: ADMIN },
  'GET /admin/categories/:id': { access: ADMIN },
  'POST /admin/categories/:id': { access: ADMIN },

  'GET /admin/settings': { access: ADMIN },
  'POST /admin/settings': { access: ADMIN },

  'GET /proposals': { access: 'signed-in' },
  'GET /proposals.csv': { access: 'signed-in' },
  'GET /proposals/mine': { access: STAFF },
  'GET /proposals/new': { access: STAFF },
  'POST /proposals': { access: STAFF },
  'GET /proposals/:id': { access: 'signed-in' },
  'GET /proposals/:id/print': { access: 'signed-in' },
  'GET /proposals/:id/edit': { access: STAFF, sample: 'own-draft' },
  'POST /proposals/:id': { access: STAFF, sample: 'own-draft' },
  'POST /proposals/:id/withdraw': { access: STAFF },
  'POST /proposals/:id/coproposal/accept': { access: STAFF },
  'POST /proposals/:id/coproposal/decline': { access: STAFF },
  'POST /proposals/:id/accept': { access: OFFICE },
  'POST /proposals/:id/reroute': { access: OFFICE },
  'POST /proposals/:id/not-accept': { access: OFFICE },
  'POST /proposals/:id/return': { access: OFFICE },
  'POST /proposals/:id/opinion': { access: REVIEWER },
  'POST /proposals/:id/proxy-opinion': { access: OFFICE },
  'POST /proposals/:id/decision': { access: OFFICE },
  'POST /proposals/:id/correction': { access: OFFICE },
  'POST /proposals/:id/implementation': { access: ['reviewer', 'office'] },
  'GET /proposals/similar': { access: 'signed-in' },
  'POST /proposals/:id/attachments': { access: STAFF, sample: 'own-draft' },
  'GET /proposals/:id/attachments/:attachmentId': { access: 'signed-in' },
  'POST /proposals/:id/attachments/:attachmentId/delete': { access: STAFF, sample: 'own-draft' },
  'GET /adopted': { access: 'signed-in' },
  'GET /office': { access: OFFICE },
  'GET /review': { access: REVIEWER },

  'GET /reports': { access: ['office', 'admin'] },
  'GET /reports/summary': { access: 'signed-in' },
  'GET /reports/aging': { access: ['office', 'admin'] },
  'GET /reports/drilldown': { access: ['office', 'admin'], query: { year: String(fiscalYearOf(new Date())), metric: 'submitted' } },
  'GET /reports/years/:year': { access: ['office', 'admin'] },
  'GET /reports/years.csv': { access: ['office', 'admin'] },
  'GET /reports/years/:year/:kind.csv': { access: ['office', 'admin'], example: () => `/reports/years/${fiscalYearOf(new Date())}/category.csv` },
  'GET /reports/participation': { access: ['office', 'admin'] },
  'GET /reports/participation.csv': { access: ['office', 'admin'] },
  'POST /reports/participation/:year/staff-counts': { access: ['office', 'admin'] },
  'GET /reports/participation/:year/divisions/:divisionId': { access: OFFICE },
  'GET /ledger.csv': { access: ['office', 'admin'] },
  'GET /ledger/import': { access: ['office', 'admin'] },
  'POST /ledger/import': { access: ['office', 'admin'] },
  'GET /ledger/import/issues/:token.csv': { access: ['office', 'admin'], example: () => `/ledger/import/issues/${'0'.repeat(48)}.csv`, examplesMissing: true },

  'GET /judging': { access: OFFICE },
  'GET /judging/criteria': { access: OFFICE },
  'POST /judging/criteria': { access: OFFICE },
  'GET /judging/rounds/new': { access: OFFICE },
  'POST /judging/rounds': { access: OFFICE },
  'GET /judging/rounds/:id': { access: OFFICE },
  'POST /judging/rounds/:id': { access: OFFICE },
  'POST /judging/rounds/:id/entries': { access: OFFICE },
  'POST /judging/rounds/:id/entries/remove': { access: OFFICE },
  'POST /judging/rounds/:id/judges': { access: OFFICE },
  'POST /judging/rounds/:id/open': { access: OFFICE },
  'POST /judging/rounds/:id/extend': { access: OFFICE },
  'POST /judging/rounds/:id/close': { access: OFFICE },
  'POST /judging/rounds/:id/reopen': { access: OFFICE },
  'GET /judging/rounds/:id/live': { access: OFFICE },
  'GET /judging/rounds/:id/results': { access: OFFICE },
  'GET /judging/rounds/:id/results.csv': { access: OFFICE, example: () => `/judging/rounds/${closedRoundId}/results.csv` },
  'GET /judging/rounds/:id/log': { access: OFFICE },
  'GET /scoring': { access: 'signed-in' },
  'GET /scoring/:id': { access: 'signed-in', membersOnly: ['judge'] },
  'GET /scoring/:id/entries/:proposalId': { access: 'signed-in', membersOnly: ['judge'] },
  'POST /scoring/:id/entries/:proposalId': { access: 'signed-in', membersOnly: ['judge'] },
  'GET /scoring/:id/entries/:proposalId/attachments/:attachmentId': { access: 'signed-in', membersOnly: ['judge'] },
  'GET /scoring/:id/results': { access: 'signed-in', membersOnly: ['judge'], example: () => `/scoring/${closedRoundId}/results` },

  'GET /awards': { access: 'signed-in' },
  'GET /awards/manage': { access: OFFICE },
  'GET /awards/manage/:year': { access: OFFICE },
  'POST /awards/manage/:year/tiers': { access: OFFICE },
  'POST /awards/manage/:year/awards': { access: OFFICE },
  'POST /awards/manage/:year/signer': { access: OFFICE },
  'GET /awards/manage/:year/naishin.csv': { access: OFFICE },
  'POST /awards/:id/decide': { access: OFFICE },
  'POST /awards/:id/delete': { access: OFFICE },
  'GET /awards/:id/certificate': { access: OFFICE },
  'GET /kaizen': { access: 'signed-in' },
  'GET /kaizen/new': { access: STAFF },
  'POST /kaizen': { access: STAFF },
  'GET /kaizen/:id': { access: 'signed-in' },
  // only its reporter edits a report (the sample's reporter is none of the personas)
  'GET /kaizen/:id/edit': { access: STAFF, membersOnly: [] },
  'POST /kaizen/:id': { access: STAFF },
  // the reporter's 所属長 only, checked on the report: anyone else gets 404
  'POST /kaizen/:id/confirm': { access: 'signed-in' },
  'POST /kaizen/:id/return': { access: 'signed-in' },
  'POST /kaizen/:id/publish': { access: OFFICE },
  'POST /kaizen/:id/nominate': { access: OFFICE },
  'GET /kaizen/:id/files/:fileId': { access: 'signed-in' },
  'POST /kaizen/:id/files/:fileId/delete': { access: STAFF },

  'GET /calls': { access: ['staff', 'office'] },
  'GET /calls/new': { access: OFFICE },
  'POST /calls': { access: OFFICE },
  'GET /calls/:id': { access: ['staff', 'office'] },
  'GET /calls/:id/edit': { access: OFFICE },
  'POST /calls/:id': { access: OFFICE },
  'GET /calls/:id/attachments/:attachmentId': { access: ['staff', 'office'], example: () => `/calls/${callSample.call}/attachments/${callSample.file}` },
  'POST /calls/:id/extend': { access: OFFICE },
  'POST /calls/:id/close': { access: OFFICE },
  'POST /calls/:id/route': { access: OFFICE },

  'GET /notifications': { access: 'signed-in' },
  'POST /notifications/:id/open': { access: 'signed-in' },
  'POST /notifications/read-all': { access: 'signed-in' },
};

type PersonaName = 'anonymous' | 'staff' | 'reviewer' | 'office' | 'admin' | 'staff+admin' | 'judge';
const PERSONAS: { name: PersonaName; roles: Role[] | null }[] = [
  { name: 'anonymous', roles: null },
  { name: 'staff', roles: ['staff'] },
  { name: 'reviewer', roles: ['reviewer'] },
  { name: 'office', roles: ['office'] },
  { name: 'admin', roles: ['admin'] },
  { name: 'staff+admin', roles: ['staff', 'admin'] },
  { name: 'judge', roles: ['judge'] },
];

/** A closed review round the judge persona judges (its results page). */
let closedRoundId = 0;
/** The sample themed call and its file (a call's file ids are not the proposals' attachment ids). */
const callSample = { call: 0, file: 0 };

/** What a persona should get from a route, by the table. */
function expectedFor(rule: RouteRule, roles: Role[] | null): 'allowed' | 'login' | 'forbidden' {
  if (rule.access === 'public') return 'allowed';
  if (roles === null) return 'login';
  if (rule.access === 'signed-in') return 'allowed';
  return rule.access.some((role) => roles.includes(role)) ? 'allowed' : 'forbidden';
}

/** The routes Express really has, as "METHOD /path", read from the router of the running app. */
function registeredRoutes(t: TestApp): string[] {
  const router = (t.app.getHttpAdapter().getInstance() as { router: { stack: { route?: { path: string | string[]; methods: Record<string, boolean> } }[] } })
    .router;
  const routes = new Set<string>();
  for (const layer of router.stack) {
    if (!layer.route) continue;
    const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
    for (const [method, on] of Object.entries(layer.route.methods)) {
      if (!on || method === '_all') continue;
      for (const path of paths) routes.add(`${method.toUpperCase()} ${path}`);
    }
  }
  return [...routes].sort();
}

const ACCESS_DENIED_TEXT = 'この操作を行う権限がありません。';

const notMember = (rule: RouteRule, persona: PersonaName): boolean => Boolean(rule.membersOnly && !rule.membersOnly.includes(persona));

describe('access matrix', () => {
  let t: TestApp;
  const agents = new Map<PersonaName, TestAgent>();
  const tokens = new Map<PersonaName, string>();
  const logins = new Map<PersonaName, string>();
  /** Ids that exist, for the :id of each kind of record. */
  const sampleIds: Record<string, number> = {};
  /** Each staff persona's own draft proposal. */
  const ownDrafts = new Map<PersonaName, number>();

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    for (const persona of PERSONAS) {
      if (!persona.roles) {
        const agent = request.agent(t.app.getHttpServer());
        agents.set(persona.name, agent);
        // An anonymous visitor also has a session (and a valid token) once the login page was shown.
        tokens.set(persona.name, await csrfToken(agent, '/login'));
        continue;
      }
      const user = await createUser(t, { roles: persona.roles, login: `matrix-${persona.name.replace('+', '-')}`, divisionCode: '211' });
      logins.set(persona.name, user.login);
      const agent = await signIn(t, user.login);
      agents.set(persona.name, agent);
      tokens.set(persona.name, await csrfToken(agent, '/account/password'));
    }
    // A user nobody signs in as, for the actions on a user record (disable, reset-password…).
    const target = await createUser(t, { roles: ['staff'], login: 'matrix-target' });
    sampleIds.users = target.id;
    const civic = await t.dataSource.getRepository(Division).findOneByOrFail({ code: '211' });
    sampleIds.divisions = civic.id;
    sampleIds.categories = (await t.dataSource.getRepository(Category).findOneByOrFail({ name: '庶務事務' })).id;

    // An adopted case (visible to every signed-in user), made by the demo accounts through the forms.
    const proposer = await signIn(t, 'demo-staff', DEMO_PASSWORD);
    const office = await signIn(t, 'demo-office', DEMO_PASSWORD);
    const reviewer = await signIn(t, 'demo-reviewer', DEMO_PASSWORD); // a reviewer of 市民課 (211)
    const adopted = await submitProposal(proposer);
    await advance(t, { office, reviewer, divisionId: civic.id }, adopted, 'decided', {
      dueOn: addDays(jstDateString(new Date()), 30),
      opinionText: '実施できます。',
      decision: 'adopted',
      reason: '効果が大きい。',
      answer: '採用します。',
    });
    expect(await loadProposal(t, adopted)).toMatchObject({ status: 'decided', decision: 'adopted' });
    sampleIds.proposals = adopted;
    for (const persona of ['staff', 'staff+admin'] as const) {
      const res = await postForm(agents.get(persona)!, '/proposals', { ...validProposal(), intent: 'draft' }, '/proposals/new');
      ownDrafts.set(persona, proposalIdFrom(res.headers.location));
    }
    // An attachment on the adopted case, stored as an upload would store it.
    const attachment = await t.dataSource.getRepository(Attachment).save({
      proposalId: adopted,
      fileName: '資料.png',
      mediaType: 'image/png',
      size: PNG.length,
      sha256: createHash('sha256').update(PNG).digest('hex'),
      content: PNG,
      uploadedBy: (await loadProposal(t, adopted)).proposerId,
    });
    sampleIds.attachments = attachment.id;
    sampleIds.years = fiscalYearOf(new Date());
    const [notification] = await t.dataSource.getRepository(Notification).find({ order: { id: 'ASC' }, take: 1 });
    if (!notification) throw new Error('the adopted case left no notification to open');
    sampleIds.notifications = notification.id;

    // Review rounds (not blind: a blind one hides the case from its judge elsewhere) with the adopted case entered and the judge persona as their judge: one open, one closed.
    const judging = t.app.get(JudgingService);
    const officeUser = await createUser(t, { roles: ['office'], login: 'matrix-round-office' });
    const judgeId = (await t.dataSource.getRepository(User).findOneByOrFail({ login: logins.get('judge')! })).id;
    for (const close of [false, true]) {
      const roundId = await judging.createRound(officeUser, {
        name: '審査',
        fiscalYear: 2026,
        opensOn: '2000-01-01',
        closesOn: '2999-12-31',
        blind: false,
        trimmed: false,
      });
      await judging.addEntries(roundId, { mode: 'numbers', numbers: (await loadProposal(t, adopted)).number!, decisions: [] });
      await judging.setJudges(roundId, { judgeIds: [judgeId] });
      await judging.open(officeUser, roundId, 1);
      if (close) await judging.close(officeUser, roundId, 2);
      if (close) closedRoundId = roundId;
      else sampleIds.rounds = sampleIds.scoring = roundId;
    }
    sampleIds.entries = adopted;
    // A decided award of the adopted case (the certificate exists only once decided).
    const awards = t.app.get(AwardsService);
    const [tier] = await awards.ensureTiers(2026);
    await awards.propose(officeUser, 2026, { tierId: tier.id, number: (await loadProposal(t, adopted)).number!, reason: '見本' });
    const [award] = await awards.list(2026);
    await awards.decide(officeUser, award.id, { awardedOn: '2027-02-10' });
    sampleIds.awards = award.id;
    sampleIds.manage = 2026;
    sampleIds.participation = fiscalYearOf(new Date());
    // A published カイゼン report with a photo (readable by every signed-in user), through the demo accounts' forms.
    const kaizenId = await fileKaizen(proposer, {}, [{ name: '写真.png', content: KAIZEN_PNG }]);
    await kaizenStep(t, await signIn(t, 'demo-head', DEMO_PASSWORD), kaizenId, 'confirm');
    await kaizenStep(t, office, kaizenId, 'publish', { confirm: 'on' });
    expect((await loadKaizen(t, kaizenId)).status).toBe('published');
    sampleIds.kaizen = kaizenId;
    sampleIds.files = (await t.dataSource.getRepository(KaizenAttachment).findOneByOrFail({ reportId: kaizenId })).id;
    // A themed call open to all staff, with one file.
    const call = await t.app.get(CallsService).create(
      officeUser,
      Object.assign(new CallDto(), {
        title: '見本の募集',
        issueText: '見本',
        opensOn: '2000-01-01',
        closesOn: '2999-12-31',
        leadDivisionId: (await t.dataSource.getRepository(Division).findOneByOrFail({ code: '211' })).id,
        audience: 'all',
      }),
      [{ originalname: '資料.png', buffer: PNG, size: PNG.length } as never],
    );
    sampleIds.calls = callSample.call = call.id;
    callSample.file = (await t.dataSource.query(`SELECT id FROM call_attachments WHERE call_id = ${call.id}`))[0].id;
  });
  afterAll(() => t.close());

  /** The route with its parameters replaced by existing ids: /admin/users/:id → /admin/users/12. */
  function concretePath(path: string, rule: RouteRule, persona: PersonaName): string {
    if (rule.example) return rule.example();
    const concrete = path.replace(/\/([^/]+)\/:([A-Za-z]+)/g, (_whole, resource: string, param: string) => {
      const id = rule.sample === 'own-draft' && ownDrafts.has(persona) ? ownDrafts.get(persona) : sampleIds[resource];
      if (id === undefined) {
        throw new Error(`no sample value for :${param} after /${resource}; add one to sampleIds in access-matrix.e2e-spec.ts`);
      }
      return `/${resource}/${id}`;
    });
    return rule.query ? `${concrete}?${new URLSearchParams(rule.query).toString()}` : concrete;
  }

  const deniedCount = () => t.logs.filter((line) => line.event === 'access_denied').length;

  async function agentFor(persona: (typeof PERSONAS)[number], rule: RouteRule): Promise<{ agent: TestAgent; token: string }> {
    if (rule.endsSession && persona.roles) {
      const agent = await signIn(t, logins.get(persona.name)!);
      return { agent, token: await csrfToken(agent, '/account/password') };
    }
    return { agent: agents.get(persona.name)!, token: tokens.get(persona.name)! };
  }

  it('lists exactly the routes the application registers', () => {
    const registered = registeredRoutes(t);
    const listed = Object.keys(ROUTES).sort();
    expect(registered.length).toBeGreaterThan(0);
    const missingFromTable = registered.filter((r) => !listed.includes(r));
    const notRegistered = listed.filter((r) => !registered.includes(r));
    expect({ missingFromTable, notRegistered }).toEqual({ missingFromTable: [], notRegistered: [] });
  });

  it('answers /healthz to everyone without a session', async () => {
    const res = await request(t.app.getHttpServer()).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  const cases = Object.entries(ROUTES).flatMap(([route, rule]) =>
    PERSONAS.map((persona) => ({ route, rule, persona, expected: expectedFor(rule, persona.roles) })),
  );

  it.each(cases)('$route as $persona.name → $expected', async ({ route, rule, persona, expected }) => {
    const [method, path] = route.split(' ');
    const url = concretePath(path, rule, persona.name);
    const { agent, token } = await agentFor(persona, rule);
    const deniedBefore = deniedCount();

    if (method === 'GET') {
      const res = await agent.get(url);
      expect(deniedCount() - deniedBefore).toBe(expected === 'forbidden' ? 1 : 0);
      if (expected === 'login') {
        expect(res.status).toBe(303);
        expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(url)}`);
      } else if (expected === 'forbidden') {
        expect(res.status).toBe(403);
        expect(res.text).toContain(ACCESS_DENIED_TEXT);
      } else if (rule.signedInRedirect && persona.roles) {
        expect(res.status).toBe(303);
        expect(res.headers.location).toBe(rule.signedInRedirect);
      } else {
        expect(res.status).toBe(rule.examplesMissing || notMember(rule, persona.name) ? 404 : 200);
      }
      return;
    }

    expect(method).toBe('POST');
    const res = await agent.post(url).type('form').send({ _csrf: token });
    // Every refusal is the access guard's (logged as access_denied), never a CSRF failure.
    expect(deniedCount() - deniedBefore).toBe(expected === 'forbidden' ? 1 : 0);
    expect(t.logs.some((line) => line.event === 'csrf_failure')).toBe(false);
    if (expected === 'login') {
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/login');
    } else if (expected === 'forbidden') {
      expect(res.status).toBe(403);
      expect(res.text).toContain(ACCESS_DENIED_TEXT);
    } else if (notMember(rule, persona.name)) {
      expect(res.status).toBe(404);
    } else {
      expect(res.status).not.toBe(403);
      expect(res.status).toBeLessThan(500);
      // (Logging out does redirect to /login?loggedOut=1; being sent to sign in looks like /login or /login?next=.)
      if (res.status === 303) expect(res.headers.location).not.toMatch(/^\/login(\?next=|$)/);
    }
  });

  /** Status and error-log events of a request whose answer should be a plain 404. */
  async function notFoundProbe(method: string, url: string, persona: PersonaName): Promise<string> {
    const agent = agents.get(persona)!;
    const errorsBefore = t.logs.filter((line) => line.level === 'error').length;
    const res =
      method === 'GET'
        ? await agent.get(url)
        : await agent
            .post(url)
            .type('form')
            .send({ _csrf: tokens.get(persona)! });
    const errors = t.logs
      .filter((line) => line.level === 'error')
      .slice(errorsBefore)
      .map((line) => line.event);
    return `${method} ${url} as ${persona}: ${res.status}${errors.length ? ' ' + errors.join(',') : ''}`;
  }

  it("answers 404 for another person's draft, as if it did not exist, even when the form sent is incomplete", async () => {
    const draft = ownDrafts.get('staff+admin')!;
    const probes: [string, string, PersonaName][] = [
      ['GET', `/proposals/${draft}`, 'admin'],
      ['GET', `/proposals/${draft}/edit`, 'staff'],
      ['POST', `/proposals/${draft}`, 'staff'],
      ['POST', `/proposals/${draft}/withdraw`, 'staff'],
      ['POST', `/proposals/${draft}/coproposal/accept`, 'staff'],
      ['POST', `/proposals/${draft}/coproposal/decline`, 'staff'],
      ['POST', `/proposals/${draft}/accept`, 'office'],
      ['POST', `/proposals/${draft}/opinion`, 'reviewer'],
    ];
    const results: string[] = [];
    for (const [method, url, persona] of probes) results.push(await notFoundProbe(method, url, persona));
    expect(results).toEqual(probes.map(([method, url, persona]) => `${method} ${url} as ${persona}: 404`));
  });

  it('answers 404 on every :id route for a record that does not exist, even when the form sent is incomplete', async () => {
    const probes = Object.entries(ROUTES)
      .filter(([route]) => route.includes('/:'))
      .map(([route, rule]) => {
        const [method, path] = route.split(' ');
        const persona = PERSONAS.find((p) => p.roles && expectedFor(rule, p.roles) === 'allowed')!.name;
        return [method, path.replace(/:[A-Za-z]+/g, '999999'), persona] as const;
      });
    expect(probes.length).toBeGreaterThan(10);
    const results: string[] = [];
    for (const [method, url, persona] of probes) results.push(await notFoundProbe(method, url, persona));
    expect(results).toEqual(probes.map(([method, url, persona]) => `${method} ${url} as ${persona}: 404`));
  });
});
