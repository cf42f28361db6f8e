import fc from 'fast-check';
import { createHash } from 'node:crypto';
import request, { Response } from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { In } from 'typeorm';
import { hashPassword, verifyPassword } from '../../src/auth/password';
import { jstDateString } from '../../src/common/jst';
import { LEDGER_COLUMNS } from '../../src/ledger/ledger-format';
import { LEDGER_MAX_BYTES } from '../../src/ledger/ledger.controller';
import { MAIL_DELIVERIES, NOTIFICATION_EVENTS } from '../../src/notifications/notification-events';
import { Notification } from '../../src/notifications/notification.entity';
import { Category } from '../../src/organization/category.entity';
import { Division, DIVISION_KINDS } from '../../src/organization/division.entity';
import { Attachment } from '../../src/attachments/attachment.entity';
import { Award, AwardTier } from '../../src/awards/award.entities';
import { fiscalYearOf } from '../../src/common/fiscal-year';
import { ENTRY_MODES } from '../../src/judging/dto/judging.dto';
import { JudgingEntry, JudgingRound } from '../../src/judging/judging.entities';
import { ATTACHMENT_MAX_BYTES } from '../../src/attachments/attachments.service';
import { addDays } from '../../src/proposals/proposal-view.service';
import { DECISION_LABELS, DECISIONS, IMPLEMENTATION_LABELS, NOT_ACCEPTED_REASONS } from '../../src/proposals/proposal-state-machine';
import { Routing } from '../../src/proposals/routing.entity';
import { ROLES } from '../../src/users/roles';
import { User } from '../../src/users/user.entity';
import { DatabaseSnapshot, databaseSnapshot, snapshotChanges } from '../factories/fuzz-db';
import { escapeLikeTemplates, foreignMarkup, internalText } from '../factories/fuzz-html';
import {
  checkboxLike,
  choice,
  typedNumber,
  csvFile,
  dateLike,
  describedForm,
  encodeForm,
  encodeMultipart,
  FieldSpecs,
  Fields,
  FormInput,
  hostileString,
  hostileText,
  idOf,
  MultipartInput,
  MultipartSpec,
  multipartInput,
  numberLike,
  percentEncode,
  placeholder,
  randomForm,
  resolve,
  text,
  textsOf,
  Value,
  versionField,
  WireRequest,
} from '../factories/fuzz-inputs';
import { loadProposal, proposalIdFrom, validProposal } from '../factories/proposals';
import { kaizenIdFrom, loadKaizen, PNG as KAIZEN_PNG, validKaizen } from '../factories/kaizen';
import { KaizenAttachment } from '../../src/kaizen/kaizen.entities';
import { KaizenService } from '../../src/kaizen/kaizen.service';
import { ThemedCall } from '../../src/calls/call.entities';
import { Proposal } from '../../src/proposals/proposal.entity';
import { CallsService } from '../../src/calls/calls.service';
import { CallDto } from '../../src/calls/dto/call.dto';
import { createTestApp, LogLine, TestApp } from '../factories/test-app';
import { createUser, csrfToken, seedDemo, signIn, TEST_PASSWORD } from '../factories/users';

/**
 * Property-based fuzzing of every form and upload endpoint. For each POST route the application
 * registers (read from the Express router, as the access matrix does), fast-check sends hostile input
 * as a user allowed to use the route, with a valid CSRF token unless the input says otherwise, and
 * checks that:
 *   - the answer is never a server error (< 500), shows nothing internal (stack, SQL, paths) and
 *     writes no error-level log line;
 *   - every HTML page that comes back has only the markup our templates can produce (no injected
 *     element, attribute, event handler, inline script or javascript: URL);
 *   - a refusal (4xx) leaves the database as it was (see SNAPSHOT_EXCLUDED_TABLES for the tables
 *     that may change, and why);
 *   - an accepted form (303) stored what it said: the page it leads to shows each text field's value,
 *     HTML-escaped; the redirect stays on this site; an accepted file has a clean name, shown escaped
 *     and sent back with a well-formed Content-Disposition;
 *   - nothing reaches Object.prototype (the app runs in this process), and no page shows
 *     class-validator's English default messages.
 * Two modes per route: "described" (the form's own fields, plausible but hostile values) and "random"
 * (random field names and values, wrong encodings). A POST route missing from ROUTES fails the first test.
 *
 * Inputs that once found a bug are kept as `examples` and run first every time.
 *
 * Reproduce a failure with the seed and path fast-check prints, for that one route:
 *   FUZZ_SEED=… FUZZ_PATH=… npx jest --config test/jest-e2e.json test/e2e/fuzz -t 'POST /proposals: described'
 * (the database has moved on by then, so a state-dependent failure may need the whole file).
 * FUZZ_RUNS=4 runs four times as many inputs; FUZZ_STATS=1 prints statuses, refusal reasons and timings.
 */

const RUN_SCALE = Number(process.env.FUZZ_RUNS ?? '1');
const runs = (n: number) => Math.max(1, Math.round(n * RUN_SCALE));
const assertOptions = (numRuns: number) => ({
  numRuns: runs(numRuns),
  ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}),
  ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
  // Shrinking re-sends requests; bound the whole run. Running out of time counts as a failure, so a
  // slow route cannot pass quietly with fewer runs than asked.
  interruptAfterTimeLimit: 90_000,
  markInterruptAsFailure: true,
});

type PersonaName = 'anonymous' | 'admin' | 'staff' | 'office' | 'reviewer' | 'judge' | 'password' | 'logout';

type TargetKind =
  | 'user'
  | 'division'
  | 'category'
  | 'own-draft'
  | 'own-draft-with-room'
  | 'withdrawable'
  | 'submitted'
  | 'under-review'
  | 'routed-to-reviewer'
  | 'awaiting-decision'
  | 'decided'
  | 'adopted'
  | 'attachment'
  | 'notification'
  | 'invitation'
  // 審査 (rounds of the office persona; the judge persona is the judge of those that have judges)
  | 'round-preparing'
  | 'round-with-entries'
  | 'round-ready'
  | 'round-open'
  | 'round-closed'
  | 'scoring-entry'
  // 表彰 (:year is a fiscal year)
  | 'fiscal-year'
  | 'award-year'
  | 'proposed-award'
  // カイゼン reports (the staff persona reports; demo-head, of the same 課, confirms them)
  | 'kaizen-own-draft'
  | 'kaizen-submitted'
  | 'kaizen-confirmed'
  | 'kaizen-file'
  // テーマ募集 (calls of the office persona, open to all staff)
  | 'call-open'
  | 'call-with-answers';

type Input = FormInput | MultipartInput;

interface FuzzRoute {
  persona: PersonaName;
  /** Which records the :params are; a fresh one is made when the last was used up (e.g. accepted). */
  target?: TargetKind;
  /** The form's fields and their plausible values ({} for a button-only form). */
  fields?: FieldSpecs;
  /** An upload form instead. */
  multipart?: MultipartSpec;
  /** Fields whose value, once accepted, the page after the redirect shows (escaped). */
  rendered?: string[];
  /** The page that shows them, when it is not the redirect's target. */
  renderedOn?: (location: string) => string;
  /** Only when the accepted fields are like this does the page show them (e.g. one row of several). */
  renderedWhen?: (fields: Fields) => boolean;
  /** Statuses besides 303 that mean "done" (the ledger import answers 200 with its result). */
  okStatuses?: number[];
  runs?: number;
  randomRuns?: number;
  /** Inputs that once failed, run first every time. */
  examples?: Input[];
  /**
   * Inputs that hit a bug this test found and that is not fixed yet: left out, so that the rest of the
   * route is still fuzzed. Each names its bug; remove it (and add the input to `examples`) with the fix.
   */
}

const today = () => jstDateString(new Date());

/** A clean urlencoded submission with the token, for the regression examples. */
const form = (fields: Fields, overrides: Partial<FormInput> = {}): FormInput => ({
  kind: 'form',
  fields,
  encoding: 'form',
  csrf: 'body',
  raw: [],
  variant: 0,
  ...overrides,
});
const NUL_PAYLOAD = '\u0000<script>alert(1)</script>';
/** A number box: mostly what people type, sometimes anything number-like. */
const NUMBER = fc.oneof({ weight: 10, arbitrary: typedNumber }, { weight: 1, arbitrary: numberLike });

const PROPOSAL_FIELDS: FieldSpecs = {
  intent: choice(['draft', 'submit']),
  title: text(100),
  categoryId: idOf('category'),
  currentProblem: text(4000),
  proposalText: text(4000),
  expectedEffect: text(4000),
  estimatedHours: NUMBER,
  estimatedYen: NUMBER,
  coproposers: fc.oneof(
    { weight: 3, arbitrary: fc.constant('') },
    { weight: 2, arbitrary: placeholder('login:0') },
    { weight: 1, arbitrary: fc.constant('@@logins@@') },
    { weight: 1, arbitrary: hostileText },
  ),
  formKey: fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 3, arbitrary: fc.uuid() }, { weight: 1, arbitrary: hostileString }),
};

const ROUTE_FIELDS: FieldSpecs = {
  version: versionField,
  leadDivisionId: idOf('division'),
  relatedDivisionIds: fc.oneof(fc.constant<Value>([]), fc.array(idOf('division'), { maxLength: 3 }), idOf('division')),
  dueOn: dateLike,
  comment: text(4000),
};

const KAIZEN_FIELDS: FieldSpecs = {
  intent: choice(['draft', 'submit']),
  title: text(100),
  categoryId: idOf('category'),
  problem: text(2000),
  changeText: text(2000),
  doneOn: fc.oneof(fc.constant(''), dateLike),
  effectHours: NUMBER,
  effectYen: NUMBER,
  effectText: text(2000),
  members: fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 2, arbitrary: placeholder('login:0') }, { weight: 1, arbitrary: hostileText }),
};

const futureDate = (days: number) =>
  fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: days }).map((d) => `@@date:${d}@@`) }, { weight: 1, arbitrary: dateLike });

const CALL_FIELDS: FieldSpecs = {
  title: text(100),
  issueText: text(4000),
  opensOn: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: -30, max: 30 }).map((d) => `@@date:${d}@@`) }, { weight: 1, arbitrary: dateLike }),
  closesOn: futureDate(400),
  leadDivisionId: idOf('division'),
  relatedDivisionIds: fc.oneof(fc.constant<Value>([]), fc.array(idOf('division'), { maxLength: 3 }), idOf('division')),
  categoryIds: fc.oneof(fc.constant<Value>([]), fc.array(idOf('category'), { maxLength: 3 })),
  audience: choice(['all', 'divisions']),
  audienceDivisionIds: fc.oneof(fc.constant<Value>([]), fc.array(idOf('division'), { maxLength: 3 }), idOf('division')),
  answersPublic: fc.constantFrom('', 'on', 'はい'),
};

/** The required tick of an irreversible action: mostly ticked, so the rest of the form gets fuzzed too. */
const CONFIRM = fc.constantFrom('on', 'on', 'on', 'on', '', 'off', 'はい');

const DECISION_FIELDS: FieldSpecs = {
  confirm: CONFIRM,
  version: versionField,
  decision: choice(DECISIONS),
  reason: text(4000),
  answer: text(4000),
};

const USER_FIELDS: FieldSpecs = {
  name: text(100),
  email: fc.oneof(
    { weight: 2, arbitrary: fc.constant('') },
    { weight: 3, arbitrary: fc.emailAddress() },
    { weight: 1, arbitrary: hostileString },
    { weight: 1, arbitrary: fc.constantFrom('a@b', '"<script>"@example.jp', '"a&b"@example.jp', 'x@example.jp\r\nBcc: evil@example.jp') },
  ),
  divisionId: fc.oneof({ weight: 4, arbitrary: idOf('division') }, { weight: 1, arbitrary: fc.constant('') }),
  roles: fc.oneof(
    { weight: 6, arbitrary: fc.subarray([...ROLES], { minLength: 1 }) },
    { weight: 2, arbitrary: choice(ROLES) },
    { weight: 1, arbitrary: fc.constant<Value>([]) },
  ),
};

const DIVISION_FIELDS: FieldSpecs = {
  name: text(100),
  parentId: fc.oneof({ weight: 4, arbitrary: idOf('division') }, { weight: 1, arbitrary: fc.constant('') }),
  validTo: fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 1, arbitrary: dateLike }),
  sortOrder: NUMBER,
};

const LEDGER_CELLS: fc.Arbitrary<string>[] = [
  fc.oneof(
    fc.nat(99_999).map((n) => `F-${n}`),
    fc.constantFrom('', '1'.repeat(21), 'R5-001'),
  ),
  fc.oneof(
    dateLike.map((d) => (d.startsWith('@@') ? '2024-05-01' : d)),
    fc.constantFrom('令和5年4月1日', 'R5.4.1', 'H31.5.1', '2023/4/1'),
  ),
  text(100),
  text(4000),
  fc.constantFrom('市民課', '区民課', '存在しない課', '', '<script>alert(1)</script>課'),
  fc.constantFrom('市民課', '財政課', '', '存在しない課'),
  fc.constantFrom(...Object.values(DECISION_LABELS), '', '採否不明'),
  fc.constantFrom(...Object.values(IMPLEMENTATION_LABELS), '', '不明'),
  fc.constantFrom('', '2024-06-01', '令和6年6月1日', '2099-01-01'),
];

/** A well-formed upload of a UTF-8 ledger with these rows, for the regression examples. */
function ledgerUpload(rows: string[][]): MultipartInput {
  const csv = [LEDGER_COLUMNS.join(','), ...rows.map((r) => r.join(','))].join('\r\n') + '\r\n';
  return {
    kind: 'multipart',
    parts: [{ headers: ['Content-Disposition: form-data; name="file"; filename="ledger.csv"', 'Content-Type: text/csv'], body: Buffer.from(csv, 'utf8') }],
    boundary: '----fuzzLedgerBoundary',
    mismatched: false,
    contentType: 'ok',
    closing: 'ok',
    preamble: '',
    csrf: 'query',
  };
}

/** A ledger row that imports (a submitted proposal, or a decided one), with hostile free text. */
const LEDGER_ROW: fc.Arbitrary<string[]> = fc
  .record({
    number: fc.nat(9_999_999).map((n) => `FZ-${n}`),
    submitted: fc.constantFrom('2023-04-01', '令和5年4月1日', 'R5.4.1', '2019/5/1', '平成31年4月30日'),
    title: hostileText.map((t) => t.slice(0, 60)).filter((t) => t.replace(/\s/g, '') !== ''),
    content: fc.oneof({ weight: 3, arbitrary: text(4000) }, { weight: 1, arbitrary: hostileString }),
    proposer: fc.constantFrom('市民課', '区民課', '財政課'),
    lead: fc.constantFrom('', '市民課', '財政課'),
    outcome: fc.constantFrom<[string, string, string]>(
      ['', '', ''],
      ['採用', '', ''],
      ['採用', '実施済', '2024-06-01'],
      ['不採用', '', ''],
      ['既実施', '', ''],
    ),
  })
  .map(({ number, submitted, title, content, proposer, lead, outcome }) => [number, submitted, title, content, proposer, lead, ...outcome]);

/** The fiscal year now (the app runs on the real clock here): the year of the proposals and of most rounds. */
const FISCAL_YEAR = fiscalYearOf(new Date());
/** The year whose proposed awards get decided and removed, in a tier of the test's own with room to spare. */
const AWARD_TARGET_YEAR = 2030;
/** Proposing awards uses a year of its own from here on, each with its default tiers and a closed round. */
const FIRST_PROPOSING_YEAR = 2031;

/** A table-like form (one row per criterion or tier) sends parallel lists: mostly one row, sometimes more. */
const rows = (cell: fc.Arbitrary<string>): fc.Arbitrary<Value> =>
  fc.oneof({ weight: 5, arbitrary: cell }, { weight: 1, arbitrary: fc.array(cell, { minLength: 2, maxLength: 3 }) });

/** Whether the form sent exactly one text value of the field (then it is the row the next page shows). */
const single = (field: string) => (fields: Fields) => {
  const values = fields.filter(([k]) => k === field);
  return values.length === 1 && typeof values[0][1] === 'string';
};

/** A small whole number in a text box: mostly in range, sometimes just outside it or anything number-like. */
const smallNumber = (min: number, max: number): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min, max }).map(String) },
    { weight: 1, arbitrary: fc.constantFrom(String(min - 1), String(max + 1), '１', ' 3 ', '') },
    { weight: 1, arbitrary: numberLike },
  );

const ROUND_FIELDS: FieldSpecs = {
  name: text(60),
  fiscalYear: fc.oneof(
    { weight: 10, arbitrary: fc.constant(String(FISCAL_YEAR)) },
    { weight: 2, arbitrary: fc.integer({ min: 1990, max: 2110 }).map(String) },
    { weight: 1, arbitrary: numberLike },
  ),
  // mostly a window that starts around today and ends after it, so that plenty of rounds are stored
  opensOn: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -60, max: 30 }).map((days) => `@@date:${days}@@`) }, { weight: 1, arbitrary: dateLike }),
  closesOn: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 30, max: 400 }).map((days) => `@@date:${days}@@`) }, { weight: 1, arbitrary: dateLike }),
  blind: checkboxLike,
  trimmed: checkboxLike,
};

/** A radio button of the scoring sheet (1 … 5, or "" for not scored), or what a hand-made post could send. */
const SCORE: fc.Arbitrary<string> = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom('', '1', '2', '3', '4', '5') },
  { weight: 1, arbitrary: fc.constantFrom('0', '6', '05', '５', ' 3', '1.0', '-1', '99') },
  { weight: 1, arbitrary: numberLike },
);

/** Every POST route of the application, and how to fuzz it. */
const ROUTES: Record<string, FuzzRoute> = {
  'POST /login': {
    persona: 'anonymous',
    // NUL in the login name went on to the login throttle's query (PostgreSQL: 500). A redirect target
    // with a line break must not become a header.
    examples: [
      form([
        ['login', 'fuzz-\u0000login'],
        ['password', 'x'],
      ]),
      form([
        ['login', '@@login-user@@'],
        ['password', '@@password@@'],
        ['next', '/\r\nSet-Cookie: x=y'],
      ]),
    ],
    fields: {
      login: fc.oneof({ weight: 3, arbitrary: placeholder('login-user') }, { weight: 2, arbitrary: hostileString }, { weight: 1, arbitrary: text(128) }),
      password: fc.oneof({ weight: 3, arbitrary: placeholder('password') }, { weight: 2, arbitrary: hostileString }),
      next: fc.oneof(
        fc.constant(''),
        fc.constantFrom(
          '/',
          '/proposals',
          '//evil.example',
          '/\\evil.example',
          'https://evil.example',
          '/\t/evil.example',
          'javascript:alert(1)',
          '/%0d%0aSet-Cookie:x=y',
          '/\r\nSet-Cookie: x=y',
          '/あ?x=<script>',
        ),
        hostileString,
      ),
    },
    runs: 30,
  },
  'POST /logout': { persona: 'logout', fields: {}, runs: 6, randomRuns: 6 },
  'POST /account/password': {
    persona: 'password',
    fields: {
      currentPassword: fc.oneof({ weight: 4, arbitrary: placeholder('password') }, { weight: 1, arbitrary: hostileString }),
      newPassword: fc.oneof(
        { weight: 3, arbitrary: hostileString.map((s) => `新しい合言葉-${s}`) },
        { weight: 1, arbitrary: hostileString },
        { weight: 1, arbitrary: fc.constantFrom('a'.repeat(256), 'a'.repeat(257), 'ab'.repeat(600)) },
      ),
      newPasswordConfirm: fc.oneof({ weight: 4, arbitrary: placeholder('same:newPassword') }, { weight: 1, arbitrary: hostileString }),
    },
    runs: 15,
    randomRuns: 8,
  },

  'POST /admin/users': {
    persona: 'admin',
    // NUL in text: PostgreSQL "invalid byte sequence for encoding UTF8: 0x00" (500), on every form.
    examples: [
      form([
        ['login', 'nul-user'],
        ['name', NUL_PAYLOAD],
        ['email', ''],
        ['roles', 'staff'],
      ]),
    ],
    fields: {
      login: fc.oneof(
        { weight: 6, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9._-]{2,30}$/) },
        { weight: 1, arbitrary: fc.constantFrom('ＦＵＺＺ-ｕｓｅｒ', 'Fuzz.User', 'fuzz-admin') },
        { weight: 1, arbitrary: hostileString },
      ),
      ...USER_FIELDS,
    },
    rendered: ['name', 'email'],
    // a new user's page, with the temporary password shown once and never stored
    okStatuses: [200],
  },
  'POST /admin/users/:id': { persona: 'admin', target: 'user', fields: USER_FIELDS, rendered: ['name', 'email'] },
  'POST /admin/users/:id/disable': { persona: 'admin', target: 'user', fields: { confirm: CONFIRM }, runs: 10 },
  'POST /admin/users/:id/enable': { persona: 'admin', target: 'user', fields: {}, runs: 10 },
  // answers 200 with the temporary password on the page itself: it is never stored in the session (issue 10)
  'POST /admin/users/:id/reset-password': { persona: 'admin', target: 'user', fields: {}, runs: 8, randomRuns: 8, okStatuses: [200] },

  'POST /admin/divisions': {
    persona: 'admin',
    fields: {
      code: fc.oneof(
        { weight: 6, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/) },
        { weight: 1, arbitrary: hostileString },
        { weight: 1, arbitrary: fc.constantFrom('211', 'Ｆ１', 'a'.repeat(21)) },
      ),
      kind: choice(DIVISION_KINDS),
      validFrom: dateLike,
      ...DIVISION_FIELDS,
    },
    rendered: ['name'],
    renderedOn: () => '/admin/divisions?ended=1',
  },
  'POST /admin/divisions/:id': {
    persona: 'admin',
    // A day that does not exist passed the pattern and reached PostgreSQL's date column (500).
    examples: [
      form([
        ['name', '<script>alert(1)</script>'],
        ['parentId', '@@division:0@@'],
        ['validTo', '2025-02-30'],
        ['sortOrder', ''],
      ]),
    ],
    target: 'division',
    fields: DIVISION_FIELDS,
    rendered: ['name'],
    renderedOn: () => '/admin/divisions?ended=1',
  },

  'POST /admin/categories': { persona: 'admin', fields: { name: text(50), sortOrder: NUMBER, active: checkboxLike }, rendered: ['name'] },
  'POST /admin/categories/:id': {
    persona: 'admin',
    target: 'category',
    fields: { name: text(50), sortOrder: NUMBER, active: checkboxLike },
    rendered: ['name'],
    // NUL in the name, and a sort order beyond PostgreSQL's integer, were both 500s there.
    examples: [
      form([
        ['name', NUL_PAYLOAD],
        ['sortOrder', '0'],
        ['active', 'on'],
      ]),
      form([
        ['name', 'ファズ分野'],
        ['sortOrder', '2147483648'],
        ['active', 'on'],
      ]),
    ],
  },

  'POST /admin/settings': {
    persona: 'admin',
    // JSON nested 20,000 deep overflowed the ValidationPipe's recursion (500) while a JSON parser was installed.
    examples: [form([['opinionDueDays', { deep: 20_000 }]], { encoding: 'json', csrf: 'header' })],
    fields: {
      opinionDueDays: fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: 1, max: 365 }).map(String) },
        { weight: 1, arbitrary: fc.constantFrom('１４', ' 30 ', '3,6,5') },
        { weight: 2, arbitrary: numberLike },
      ),
    },
  },

  'POST /proposals': {
    persona: 'staff',
    fields: PROPOSAL_FIELDS,
    rendered: ['title', 'currentProblem', 'proposalText', 'expectedEffect'],
    runs: 40,
    examples: [
      // 100 characters to the validator, 200 code points to PostgreSQL's varchar(100).
      form([
        ['intent', 'draft'],
        ['title', 'a\ufe0f'.repeat(100)],
        ['categoryId', '@@category:0@@'],
        ['currentProblem', ''],
        ['proposalText', ''],
        ['expectedEffect', ''],
      ]),
      form([
        ['intent', 'draft'],
        ['title', NUL_PAYLOAD],
        ['categoryId', '@@category:0@@'],
        ['currentProblem', NUL_PAYLOAD],
        ['proposalText', ''],
        ['expectedEffect', ''],
      ]),
    ],
  },
  'POST /proposals/:id': {
    persona: 'staff',
    target: 'own-draft',
    fields: { ...PROPOSAL_FIELDS, version: versionField },
    rendered: ['title', 'currentProblem', 'proposalText', 'expectedEffect'],
    runs: 40,
  },
  'POST /proposals/:id/withdraw': {
    persona: 'staff',
    target: 'withdrawable',
    fields: { version: versionField, comment: text(4000), confirm: CONFIRM },
    rendered: ['comment'],
  },
  'POST /proposals/:id/coproposal/accept': { persona: 'reviewer', target: 'invitation', fields: {}, runs: 6 },
  'POST /proposals/:id/coproposal/decline': { persona: 'reviewer', target: 'invitation', fields: {}, runs: 6 },
  'POST /proposals/:id/accept': {
    persona: 'office',
    target: 'submitted',
    fields: ROUTE_FIELDS,
    rendered: ['comment'],
    // A due date that does not exist reached PostgreSQL's date column (500).
    examples: [
      form([
        ['version', '@@version@@'],
        ['leadDivisionId', '@@division:9@@'],
        ['dueOn', '2999-02-30'],
        ['comment', ''],
      ]),
    ],
  },
  'POST /proposals/:id/reroute': {
    persona: 'office',
    target: 'under-review',
    fields: ROUTE_FIELDS,
    rendered: ['comment'],
    // An id beyond PostgreSQL's integer reached the division query: "value out of range" (500). An
    // over-long version now gets the same refusal.
    examples: [
      form([
        ['version', '@@version@@'],
        ['leadDivisionId', '2147483648'],
        ['dueOn', '@@date:0@@'],
        ['comment', ''],
      ]),
      form([
        ['version', '99999999999'],
        ['leadDivisionId', '@@division:9@@'],
        ['dueOn', '@@date:0@@'],
        ['comment', ''],
      ]),
    ],
  },
  'POST /proposals/:id/not-accept': {
    persona: 'office',
    target: 'submitted',
    fields: { version: versionField, reason: choice(NOT_ACCEPTED_REASONS), comment: text(4000), confirm: CONFIRM },
    rendered: ['comment'],
  },
  'POST /proposals/:id/return': {
    persona: 'office',
    target: 'submitted',
    fields: { version: versionField, comment: text(4000), confirm: CONFIRM },
    rendered: ['comment'],
    examples: [
      form([
        ['version', '@@version@@'],
        ['comment', NUL_PAYLOAD],
        ['confirm', 'on'],
      ]),
    ],
  },
  'POST /proposals/:id/opinion': {
    persona: 'reviewer',
    target: 'routed-to-reviewer',
    fields: { version: versionField, outcome: choice(DECISIONS), opinionText: text(4000) },
    rendered: ['opinionText'],
  },
  'POST /proposals/:id/proxy-opinion': {
    persona: 'office',
    target: 'routed-to-reviewer',
    fields: { version: versionField, divisionId: idOf('division'), outcome: choice(DECISIONS), opinionText: text(4000) },
    rendered: ['opinionText'],
  },
  'POST /proposals/:id/decision': { persona: 'office', target: 'awaiting-decision', fields: DECISION_FIELDS, rendered: ['reason', 'answer'] },
  'POST /proposals/:id/correction': {
    persona: 'office',
    target: 'decided',
    fields: { ...DECISION_FIELDS, correctionReason: text(4000) },
    rendered: ['reason', 'answer', 'correctionReason'],
    examples: [
      form([
        ['version', '@@version@@'],
        ['decision', 'adopted'],
        ['reason', '\u0000'],
        ['answer', '\u0000'],
        ['correctionReason', '<script>alert(1)</script>'],
        ['confirm', 'on'],
      ]),
    ],
  },
  'POST /proposals/:id/implementation': {
    persona: 'office',
    target: 'adopted',
    fields: {
      version: versionField,
      status: choice(['in_progress', 'implemented', 'abandoned']),
      implementedOn: fc.oneof(fc.constant(''), dateLike),
      actualHours: NUMBER,
      actualYen: NUMBER,
      note: text(4000),
    },
    rendered: ['note'],
  },
  'POST /proposals/:id/attachments': {
    persona: 'staff',
    target: 'own-draft-with-room',
    multipart: { fileField: 'file', maxBytes: ATTACHMENT_MAX_BYTES },
    runs: 40,
  },
  'POST /proposals/:id/attachments/:attachmentId/delete': { persona: 'staff', target: 'attachment', fields: { confirm: CONFIRM }, runs: 10 },

  'POST /notifications/:id/open': { persona: 'staff', target: 'notification', fields: {}, runs: 10 },
  'POST /notifications/read-all': { persona: 'staff', fields: {}, runs: 10 },
  'POST /account/notifications': {
    persona: 'office',
    fields: Object.fromEntries(NOTIFICATION_EVENTS.map((event) => [event, choice(MAIL_DELIVERIES)])),
    runs: 10,
  },

  'POST /ledger/import': {
    persona: 'office',
    // NUL in 提案内容 passed the row checks and reached PostgreSQL: "invalid byte sequence for encoding UTF8: 0x00" (500).
    examples: [ledgerUpload([['FZ-NUL-1', '2023-04-01', 'タイトル', 'a\u0000b', '市民課', '', '', '', '']])],
    multipart: {
      fileField: 'file',
      maxBytes: LEDGER_MAX_BYTES,
      fields: { dryRun: checkboxLike, createMissingDivisions: checkboxLike },
      content: csvFile({ header: LEDGER_COLUMNS, cells: LEDGER_CELLS, validRow: LEDGER_ROW }),
    },
    okStatuses: [200],
    runs: 30,
  },
  // 審査: the office's side (the office persona has the office role)
  'POST /judging/rounds': {
    persona: 'office',
    fields: ROUND_FIELDS,
    rendered: ['name'],
    runs: 30,
    // "a" + VARIATION SELECTOR-16 counted as one character passed @MaxLength and reached varchar(60): a 500 on PostgreSQL
    examples: [
      form([
        ['name', 'a\ufe0f'.repeat(60)],
        ['fiscalYear', String(FISCAL_YEAR)],
        ['opensOn', '@@date:0@@'],
        ['closesOn', '@@date:30@@'],
      ]),
    ],
  },
  'POST /judging/rounds/:id': {
    persona: 'office',
    target: 'round-preparing',
    fields: { ...ROUND_FIELDS, version: versionField },
    rendered: ['name'],
    runs: 25,
  },
  'POST /judging/rounds/:id/entries': {
    persona: 'office',
    target: 'round-preparing',
    fields: {
      mode: choice(ENTRY_MODES),
      numbers: fc.oneof(
        { weight: 4, arbitrary: placeholder('numbers') },
        { weight: 2, arbitrary: idOf('number') },
        { weight: 2, arbitrary: text(300) },
        { weight: 1, arbitrary: text(5000) },
      ),
      decisions: fc.oneof(
        { weight: 1, arbitrary: fc.constant<Value>([]) },
        { weight: 4, arbitrary: fc.subarray([...DECISIONS], { minLength: 1 }) },
        { weight: 2, arbitrary: choice(DECISIONS) },
      ),
      previousRoundId: idOf('closed-round'),
      topN: smallNumber(1, 200),
    },
    runs: 25,
  },
  'POST /judging/rounds/:id/entries/remove': { persona: 'office', target: 'round-with-entries', fields: { proposalId: idOf('entry') }, runs: 10 },
  'POST /judging/rounds/:id/judges': {
    persona: 'office',
    target: 'round-preparing',
    fields: {
      judgeIds: fc.oneof(fc.constant<Value>([]), fc.array(idOf('judge'), { minLength: 1, maxLength: 3 }), idOf('judge')),
      logins: fc.oneof(
        { weight: 2, arbitrary: fc.constant('') },
        { weight: 2, arbitrary: fc.nat(2).map((i) => `@@login:${i}@@`) },
        { weight: 1, arbitrary: fc.constant('@@logins@@') },
        { weight: 1, arbitrary: fc.constant('fuzz-judge') },
        { weight: 1, arbitrary: hostileText },
      ),
    },
    runs: 20,
  },
  'POST /judging/rounds/:id/open': { persona: 'office', target: 'round-ready', fields: { version: versionField }, runs: 15, randomRuns: 6 },
  'POST /judging/rounds/:id/close': { persona: 'office', target: 'round-open', fields: { version: versionField }, runs: 15, randomRuns: 6 },
  'POST /judging/rounds/:id/extend': {
    persona: 'office',
    target: 'round-open',
    fields: {
      version: versionField,
      reason: text(1000),
      closesOn: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 400 }).map((days) => `@@date:${days}@@`) }, { weight: 1, arbitrary: dateLike }),
    },
    rendered: ['reason'],
    runs: 15,
  },
  'POST /judging/rounds/:id/reopen': {
    persona: 'office',
    target: 'round-closed',
    fields: {
      version: versionField,
      reason: text(1000),
      // mostly today or later, which the new closing date has to be
      closesOn: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 400 }).map((days) => `@@date:${days}@@`) }, { weight: 1, arbitrary: dateLike }),
    },
    rendered: ['reason'],
    runs: 20,
  },
  // 審査: the judge's sheet. Before the criteria are fuzzed (ROUTES' order is the tests' order), so that its
  // round opens with the five default criteria the score fields are made for.
  'POST /scoring/:id/entries/:proposalId': {
    persona: 'judge',
    target: 'scoring-entry',
    fields: {
      score1: SCORE,
      score2: SCORE,
      score3: SCORE,
      score4: SCORE,
      score5: SCORE,
      comment: text(2000),
      after: choice(['stay', 'next']),
    },
    rendered: ['comment'],
    runs: 30,
    // a body the app does not read (text/plain, the token in the header) was saved as an empty sheet: every score deleted
    examples: [form([], { encoding: 'text-plain', csrf: 'header' })],
  },
  'POST /judging/criteria': {
    persona: 'office',
    fields: { name: rows(text(50)), description: rows(text(200)), weight: rows(smallNumber(1, 10)), scaleMax: rows(smallNumber(2, 10)) },
    // a row without a name is dropped: with one name, its row (and its description) is what the page shows
    rendered: ['name', 'description'],
    renderedWhen: single('name'),
    runs: 25,
    // refused with a body the app does not read, the page loader read req.body.name: a 500
    examples: [form([], { encoding: 'text-plain', csrf: 'header' })],
  },

  // 表彰
  'POST /awards/manage/:year/tiers': {
    persona: 'office',
    target: 'fiscal-year',
    fields: {
      tierId: fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 2, arbitrary: idOf('tier') }),
      name: rows(text(30)),
      slots: rows(smallNumber(1, 100)),
      rewardYen: rows(fc.oneof(fc.constant(''), NUMBER, fc.constantFrom('50,000円', '１０,０００', '10000000', '10000001'))),
      rewardNote: rows(text(60)),
    },
    rendered: ['name', 'rewardNote'],
    renderedWhen: single('name'),
    runs: 25,
  },
  'POST /awards/manage/:year/awards': {
    persona: 'office',
    target: 'award-year',
    fields: {
      tierId: idOf('tier'),
      roundId: fc.oneof(
        { weight: 3, arbitrary: fc.constant('') },
        { weight: 2, arbitrary: idOf('round-of-year') },
        { weight: 1, arbitrary: idOf('closed-round') },
      ),
      proposalId: fc.oneof({ weight: 3, arbitrary: idOf('ranking') }, { weight: 1, arbitrary: fc.constant('') }),
      number: fc.oneof({ weight: 4, arbitrary: idOf('number') }, { weight: 1, arbitrary: text(20) }),
      reason: text(1000),
    },
    // the office's page shows the reason of an award chosen by hand, not of one from a round's ranking
    rendered: ['reason'],
    renderedWhen: (fields) => fields.filter(([k]) => k === 'roundId').every(([, v]) => typeof v === 'string' && v.trim() === ''),
    runs: 30,
    // round 0 was taken for "no round" by the check and stored as round_id 0: a foreign key error (500)
    examples: [
      form([
        ['tierId', '@@tier:0@@'],
        ['roundId', '0'],
        ['number', '@@number:0@@'],
        ['reason', '手で選んだ理由'],
      ]),
    ],
  },
  'POST /awards/manage/:year/signer': { persona: 'office', target: 'fiscal-year', fields: { signer: text(60) }, rendered: ['signer'], runs: 15 },
  'POST /awards/:id/decide': { persona: 'office', target: 'proposed-award', fields: { awardedOn: dateLike }, runs: 20 },
  'POST /awards/:id/delete': { persona: 'office', target: 'proposed-award', fields: {}, runs: 10, randomRuns: 6 },
  // カイゼン reports: the reporter's form (urlencoded here, as the proposal form), the 所属長's and the office's steps
  'POST /kaizen': { persona: 'staff', fields: KAIZEN_FIELDS, rendered: ['title', 'problem', 'changeText', 'effectText'], runs: 30 },
  'POST /kaizen/:id': {
    persona: 'staff',
    target: 'kaizen-own-draft',
    fields: { ...KAIZEN_FIELDS, version: versionField },
    rendered: ['title', 'problem', 'changeText', 'effectText'],
    runs: 20,
  },
  // the staff persona is the reporter, not the 所属長: a well-formed step is a 404, a malformed one the page with messages
  'POST /kaizen/:id/confirm': { persona: 'staff', target: 'kaizen-submitted', fields: { version: versionField }, runs: 10, randomRuns: 6 },
  'POST /kaizen/:id/return': { persona: 'staff', target: 'kaizen-submitted', fields: { version: versionField, comment: text(2000) }, runs: 10, randomRuns: 6 },
  'POST /kaizen/:id/publish': { persona: 'office', target: 'kaizen-confirmed', fields: { version: versionField, confirm: CONFIRM }, runs: 15, randomRuns: 6 },
  'POST /kaizen/:id/nominate': { persona: 'office', target: 'kaizen-confirmed', fields: { version: versionField, confirm: CONFIRM }, runs: 15, randomRuns: 6 },
  'POST /kaizen/:id/files/:fileId/delete': { persona: 'staff', target: 'kaizen-file', fields: { confirm: CONFIRM }, runs: 10 },
  'POST /calls': { persona: 'office', fields: CALL_FIELDS, rendered: ['title', 'issueText'], runs: 30 },
  'POST /calls/:id': {
    persona: 'office',
    target: 'call-open',
    fields: { version: versionField, title: text(100), issueText: text(4000), answersPublic: fc.constantFrom('', 'on') },
    rendered: ['title', 'issueText'],
    runs: 20,
  },
  'POST /calls/:id/extend': {
    persona: 'office',
    target: 'call-open',
    fields: { version: versionField, closesOn: futureDate(400), reason: text(1000) },
    rendered: ['reason'],
    runs: 15,
  },
  'POST /calls/:id/close': {
    persona: 'office',
    target: 'call-open',
    fields: { version: versionField, reason: text(1000), confirm: CONFIRM },
    rendered: ['reason'],
    runs: 15,
    randomRuns: 6,
  },
  // answers 200 with each answer's result
  'POST /calls/:id/route': {
    persona: 'office',
    target: 'call-with-answers',
    fields: { dueOn: futureDate(60), confirm: CONFIRM },
    okStatuses: [200],
    runs: 10,
    randomRuns: 4,
  },

  // 参加率: one box per 課 (staff_<division id>; the demo 課 総務課, 人事課, 市民課 and 区政推進課 are divisions 3, 4, 10 and 11
  // of the fresh database); empty clears, "1,200" is a number
  'POST /reports/participation/:year/staff-counts': {
    persona: 'office',
    target: 'fiscal-year',
    fields: {
      staff_3: fc.oneof(fc.constant(''), NUMBER, fc.constantFrom('1,200', '１，２００', '100000', '100001', '-1', '12人')),
      staff_4: fc.oneof(fc.constant(''), NUMBER),
      staff_10: fc.oneof(fc.constant(''), NUMBER),
      staff_11: fc.oneof(fc.constant(''), NUMBER, hostileString),
    },
    runs: 20,
  },
};

const DEFAULT_RUNS = 30;
const DEFAULT_RANDOM_RUNS = 10;

/** Targets whose :id is a review round (its version is the form's "version"). */
const ROUND_TARGETS: ReadonlySet<TargetKind> = new Set<TargetKind>(['round-preparing', 'round-with-entries', 'round-ready', 'round-open', 'round-closed']);
/** Targets whose :id is a カイゼン report (its version is the form's "version"). */
const KAIZEN_TARGETS: ReadonlySet<TargetKind> = new Set<TargetKind>(['kaizen-own-draft', 'kaizen-submitted', 'kaizen-confirmed', 'kaizen-file']);
/** Targets whose :id is a themed call (its version is the form's "version"). */
const CALL_TARGETS: ReadonlySet<TargetKind> = new Set<TargetKind>(['call-open']);
/** Targets whose :id is not a proposal either (no version, or none on the form). */
const OTHER_TARGETS: ReadonlySet<TargetKind> = new Set<TargetKind>([
  'user',
  'division',
  'category',
  'notification',
  'scoring-entry',
  'fiscal-year',
  'award-year',
  'proposed-award',
  'call-with-answers',
]);

/** The POST routes Express really has, read from the running app's router. */
function registeredPostRoutes(t: TestApp): string[] {
  const router = (t.app.getHttpAdapter().getInstance() as { router: { stack: { route?: { path: string | string[]; methods: Record<string, boolean> } }[] } })
    .router;
  const routes = new Set<string>();
  for (const layer of router.stack) {
    if (!layer.route?.methods.post) continue;
    for (const path of Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path]) routes.add(`POST ${path}`);
  }
  return [...routes].sort();
}

/** What Object.prototype has before any request. */
const PROTOTYPE_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));

const LOGIN_USER = 'fuzz-login';
const LOGIN_PASSWORD = 'ログイン用の合言葉-fuzz';

describe('fuzzing every form and upload endpoint', () => {
  let t: TestApp;
  const actors = new Map<PersonaName, { agent: TestAgent; token: string }>();
  const users = new Map<PersonaName, User>();
  const passwords = new Map<PersonaName, string>();
  const ids = {
    division: [] as number[],
    category: [] as number[],
    logins: [] as string[],
    /** Numbers of submitted proposals (the rounds' entries, awards by number), and the users a round may have as judges (and one it may not). */
    numbers: [] as string[],
    judges: [] as number[],
  };
  let civicDivisionId = 0;
  let targetUserId = 0;
  let targetDivisionId = 0;
  let targetCategoryId = 0;
  /** The current :params of each route whose records get used up. */
  const targets = new Map<string, Record<string, number>>();
  /** The database as it was after the last request, while nothing else has happened since. */
  let lastSnapshot: DatabaseSnapshot | null = null;
  const stats = new Map<string, Map<number, number>>();
  const slowest: [number, string][] = [];
  const refusals = new Map<string, Map<string, number>>();
  const timing = { snapshot: 0, snapshots: 0, request: 0, requests: 0 };
  const snapshotNow = async () => {
    const started = Date.now();
    const snap = await databaseSnapshot(t);
    timing.snapshot += Date.now() - started;
    timing.snapshots += 1;
    return snap;
  };

  const server = () => t.app.getHttpServer();

  async function newActor(persona: PersonaName): Promise<{ agent: TestAgent; token: string }> {
    lastSnapshot = null;
    if (persona === 'anonymous') {
      const agent = request.agent(server());
      return { agent, token: await csrfToken(agent, '/login') };
    }
    const user = users.get(persona)!;
    const agent = await signIn(t, user.login, passwords.get(persona) ?? TEST_PASSWORD);
    return { agent, token: await csrfToken(agent, '/account/password') };
  }

  async function actorFor(persona: PersonaName): Promise<{ agent: TestAgent; token: string }> {
    // Logging out ends the session it uses: every run gets a session of its own.
    if (persona === 'logout') return newActor(persona);
    if (!actors.has(persona)) actors.set(persona, await newActor(persona));
    return actors.get(persona)!;
  }

  /** A form post as the given persona, for setting up records (not fuzzed). */
  async function post(persona: PersonaName, path: string, fields: Record<string, string | string[]>): Promise<Response> {
    lastSnapshot = null;
    const { agent, token } = await actorFor(persona);
    return agent
      .post(path)
      .type('form')
      .send({ ...fields, _csrf: token });
  }

  async function expectRedirect(res: Response, what: string): Promise<void> {
    if (res.status !== 303) throw new Error(`setting up ${what}: ${res.status} ${res.text.slice(0, 300)}`);
  }

  // --- records in a given state, made through the forms ---

  async function newDraft(): Promise<number> {
    const res = await post('staff', '/proposals', { ...validProposal({ categoryId: String(ids.category[0]) }), intent: 'draft' });
    await expectRedirect(res, 'a draft');
    return proposalIdFrom(res.headers.location);
  }

  async function newSubmitted(): Promise<number> {
    const res = await post('staff', '/proposals', { ...validProposal({ categoryId: String(ids.category[0]) }), intent: 'submit' });
    await expectRedirect(res, 'a submitted proposal');
    return proposalIdFrom(res.headers.location);
  }

  async function step(persona: PersonaName, id: number, action: string, fields: Record<string, string>): Promise<void> {
    const version = String((await loadProposal(t, id)).version);
    await expectRedirect(await post(persona, `/proposals/${id}/${action}`, { ...fields, version }), action);
  }

  async function newUnderReview(): Promise<number> {
    const id = await newSubmitted();
    await step('office', id, 'accept', { leadDivisionId: String(civicDivisionId), dueOn: addDays(today(), 30), comment: '' });
    return id;
  }

  async function newAwaitingDecision(): Promise<number> {
    const id = await newUnderReview();
    await step('reviewer', id, 'opinion', { outcome: 'adopted', opinionText: '実施できます。' });
    return id;
  }

  async function newAdopted(): Promise<number> {
    const id = await newAwaitingDecision();
    await step('office', id, 'decision', { decision: 'adopted', reason: '効果が大きい。', answer: '採用します。', confirm: 'on' });
    return id;
  }

  const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('0000000d49484452', 'hex'), Buffer.alloc(16)]);

  async function newAttachment(): Promise<Record<string, number>> {
    const id = await newDraft();
    const attachment = await t.dataSource.getRepository(Attachment).save({
      proposalId: id,
      fileName: '資料.png',
      mediaType: 'image/png',
      size: PNG.length,
      sha256: createHash('sha256').update(PNG).digest('hex'),
      content: PNG,
      uploadedBy: users.get('staff')!.id,
    });
    return { id, attachmentId: attachment.id };
  }

  // --- review rounds and awards, made through the forms as the office persona ---

  let roundCount = 0;
  const loadRound = (id: number) => t.dataSource.getRepository(JudgingRound).findOneByOrFail({ id });

  async function roundStep(id: number, action: 'open' | 'close'): Promise<void> {
    await expectRedirect(await post('office', `/judging/rounds/${id}/${action}`, { version: String((await loadRound(id)).version) }), `a round's ${action}`);
  }

  /** A round scoring from today for 30 days, taken as far as `stage`: its entries are ids.numbers, its judge the judge persona. */
  async function newRound(stage: 'preparing' | 'with-entries' | 'ready' | 'open' | 'closed', fiscalYear = FISCAL_YEAR): Promise<number> {
    roundCount += 1;
    const res = await post('office', '/judging/rounds', {
      name: `ファズ審査${roundCount}`,
      fiscalYear: String(fiscalYear),
      opensOn: today(),
      closesOn: addDays(today(), 30),
    });
    await expectRedirect(res, 'a round');
    const id = Number(/^\/judging\/rounds\/(\d+)$/.exec(String(res.headers.location))?.[1]);
    if (stage === 'preparing') return id;
    await expectRedirect(await post('office', `/judging/rounds/${id}/entries`, { mode: 'numbers', numbers: ids.numbers.join(' ') }), "a round's entries");
    if (stage === 'with-entries') return id;
    await expectRedirect(await post('office', `/judging/rounds/${id}/judges`, { logins: 'fuzz-judge' }), "a round's judge");
    if (stage === 'ready') return id;
    await roundStep(id, 'open');
    if (stage === 'open') return id;
    await roundStep(id, 'close');
    return id;
  }

  const roundIs =
    (status: JudgingRound['status']) =>
    async ({ id }: Record<string, number>): Promise<boolean> =>
      (await loadRound(id)).status === status;

  /** The office's page of a year, read once so that the year has its default tiers (written by that page) before anything is posted there. */
  async function openAwardYear(year: number): Promise<void> {
    lastSnapshot = null;
    const page = await (await actorFor('office')).agent.get(`/awards/manage/${year}`);
    if (page.status !== 200) throw new Error(`opening the awards of ${year}: ${page.status}`);
  }

  let proposingYear = FIRST_PROPOSING_YEAR - 1;
  let roomyTierId = 0;
  let roomyTiers = 0;

  /** An award proposed by hand (案) for a new submitted proposal, in a tier with room, in AWARD_TARGET_YEAR. */
  async function newProposedAward(): Promise<number> {
    const awards = t.dataSource.getRepository(Award);
    if (!roomyTierId || (await awards.count({ where: { tierId: roomyTierId } })) >= 100) {
      roomyTiers += 1;
      const name = `ファズ賞${roomyTiers}`;
      await openAwardYear(AWARD_TARGET_YEAR);
      const res = await post('office', `/awards/manage/${AWARD_TARGET_YEAR}/tiers`, { tierId: '', name, slots: '100', rewardYen: '', rewardNote: '' });
      await expectRedirect(res, 'a tier with room');
      roomyTierId = (await t.dataSource.getRepository(AwardTier).findOneByOrFail({ fiscalYear: AWARD_TARGET_YEAR, name })).id;
    }
    const proposalId = await newSubmitted();
    const number = (await loadProposal(t, proposalId)).number!;
    const res = await post('office', `/awards/manage/${AWARD_TARGET_YEAR}/awards`, { tierId: String(roomyTierId), number, reason: '審査によらない表彰の案' });
    await expectRedirect(res, 'a proposed award');
    return (await awards.findOneByOrFail({ fiscalYear: AWARD_TARGET_YEAR, proposalId })).id;
  }

  const TARGETS: Record<TargetKind, { make: () => Promise<Record<string, number>>; usable: (params: Record<string, number>) => Promise<boolean> }> = {
    user: { make: async () => ({ id: targetUserId }), usable: async () => true },
    division: { make: async () => ({ id: targetDivisionId }), usable: async () => true },
    category: { make: async () => ({ id: targetCategoryId }), usable: async () => true },
    'own-draft': { make: async () => ({ id: await newDraft() }), usable: async ({ id }) => (await loadProposal(t, id)).status === 'draft' },
    'own-draft-with-room': {
      make: async () => ({ id: await newDraft() }),
      usable: async ({ id }) =>
        (await loadProposal(t, id)).status === 'draft' && (await t.dataSource.getRepository(Attachment).count({ where: { proposalId: id } })) < 5,
    },
    withdrawable: { make: async () => ({ id: await newSubmitted() }), usable: async ({ id }) => (await loadProposal(t, id)).status === 'submitted' },
    // a draft of the staff persona naming the reviewer persona (also staff) as co-proposer, not yet answered
    invitation: {
      make: async () => {
        const res = await post('staff', '/proposals', {
          ...validProposal({ categoryId: String(ids.category[0]), coproposers: 'fuzz-reviewer' }),
          intent: 'draft',
        });
        await expectRedirect(res, 'an invitation');
        return { id: proposalIdFrom(res.headers.location) };
      },
      usable: async ({ id }) =>
        (
          await t.dataSource.query(
            `SELECT 1 FROM proposal_coproposers WHERE proposal_id = ${Number(id)} AND user_id = ${users.get('reviewer')!.id} AND status = 'invited'`,
          )
        ).length > 0,
    },
    submitted: { make: async () => ({ id: await newSubmitted() }), usable: async ({ id }) => (await loadProposal(t, id)).status === 'submitted' },
    'under-review': { make: async () => ({ id: await newUnderReview() }), usable: async ({ id }) => (await loadProposal(t, id)).status === 'under_review' },
    'routed-to-reviewer': {
      make: async () => ({ id: await newUnderReview() }),
      usable: async ({ id }) =>
        (await loadProposal(t, id)).status === 'under_review' &&
        (await t.dataSource.getRepository(Routing).count({ where: { proposalId: id, divisionId: civicDivisionId, active: true } })) > 0,
    },
    'awaiting-decision': {
      make: async () => ({ id: await newAwaitingDecision() }),
      usable: async ({ id }) => ['awaiting_decision', 'continued'].includes((await loadProposal(t, id)).status),
    },
    decided: { make: async () => ({ id: await newAdopted() }), usable: async ({ id }) => (await loadProposal(t, id)).status === 'decided' },
    adopted: {
      make: async () => ({ id: await newAdopted() }),
      usable: async ({ id }) => {
        const p = await loadProposal(t, id);
        return p.status === 'decided' && (p.implementationStatus === 'not_started' || p.implementationStatus === 'in_progress');
      },
    },
    attachment: {
      make: newAttachment,
      usable: async ({ id, attachmentId }) =>
        (await loadProposal(t, id)).status === 'draft' &&
        (await t.dataSource.getRepository(Attachment).count({ where: { id: attachmentId, proposalId: id } })) === 1,
    },
    notification: {
      make: async () => {
        const [n] = await t.dataSource.getRepository(Notification).find({ where: { userId: users.get('staff')!.id }, order: { id: 'ASC' }, take: 1 });
        if (!n) throw new Error('the staff persona has no notification to open');
        return { id: n.id };
      },
      usable: async () => true,
    },
    'round-preparing': { make: async () => ({ id: await newRound('preparing') }), usable: roundIs('preparing') },
    'round-with-entries': {
      make: async () => ({ id: await newRound('with-entries') }),
      usable: async ({ id }) =>
        (await loadRound(id)).status === 'preparing' && (await t.dataSource.getRepository(JudgingEntry).count({ where: { roundId: id } })) > 0,
    },
    'round-ready': { make: async () => ({ id: await newRound('ready') }), usable: roundIs('preparing') },
    'round-open': { make: async () => ({ id: await newRound('open') }), usable: roundIs('open') },
    'round-closed': { make: async () => ({ id: await newRound('closed') }), usable: roundIs('closed') },
    // the judge persona's sheet of the last entry, so that 「保存して次へ」 comes back to the same sheet
    'scoring-entry': {
      make: async () => {
        const id = await newRound('open');
        const [last] = await t.dataSource.getRepository(JudgingEntry).find({ where: { roundId: id }, order: { position: 'DESC' }, take: 1 });
        return { id, proposalId: last.proposalId };
      },
      usable: async ({ id }) => {
        const round = await loadRound(id);
        return round.status === 'open' && round.closesOn >= today();
      },
    },
    'fiscal-year': {
      make: async () => {
        await openAwardYear(FISCAL_YEAR);
        return { year: FISCAL_YEAR };
      },
      usable: async () => true,
    },
    // a year with its default tiers and a closed round whose entries are ids.numbers; used up after a few awards
    'award-year': {
      make: async () => {
        proposingYear += 1;
        await openAwardYear(proposingYear);
        await newRound('closed', proposingYear);
        return { year: proposingYear };
      },
      usable: async ({ year }) => (await t.dataSource.getRepository(Award).count({ where: { fiscalYear: year } })) < 3,
    },
    'proposed-award': {
      make: async () => ({ id: await newProposedAward() }),
      usable: async ({ id }) => (await t.dataSource.getRepository(Award).findOneBy({ id }))?.status === 'proposed',
    },
    'call-open': {
      make: async () => ({ id: await newCall() }),
      usable: async ({ id }) => {
        const call = await t.dataSource.getRepository(ThemedCall).findOneByOrFail({ id });
        return call.closedAt === null && call.closesOn >= today();
      },
    },
    // a call with one answer waiting for 受理, from the staff persona
    'call-with-answers': {
      make: async () => {
        const id = await newCall();
        const res = await post('staff', '/proposals', { ...validProposal({ categoryId: String(ids.category[0]) }), intent: 'submit', callId: String(id) });
        await expectRedirect(res, 'an answer to a call');
        return { id };
      },
      usable: async ({ id }) => (await t.dataSource.getRepository(Proposal).count({ where: { callId: id, status: 'submitted' } })) > 0,
    },
    'kaizen-own-draft': { make: async () => ({ id: await newKaizen('draft') }), usable: async ({ id }) => (await loadKaizen(t, id)).status === 'draft' },
    'kaizen-submitted': { make: async () => ({ id: await newKaizen('submit') }), usable: async ({ id }) => (await loadKaizen(t, id)).status === 'submitted' },
    'kaizen-confirmed': {
      make: async () => {
        const id = await newKaizen('submit');
        const headUser = await t.dataSource.getRepository(User).findOneByOrFail({ login: 'demo-head' });
        await t.app.get(KaizenService).confirm(headUser, id, { version: (await loadKaizen(t, id)).version });
        return { id };
      },
      usable: async ({ id }) => {
        const report = await loadKaizen(t, id);
        return report.status === 'confirmed' && report.nominatedAt === null;
      },
    },
    // a draft of the staff persona with a photo, stored as the form would store it
    'kaizen-file': {
      make: async () => {
        const id = await newKaizen('draft');
        const file = await t.dataSource.getRepository(KaizenAttachment).save({
          reportId: id,
          fileName: '写真.png',
          mediaType: 'image/png',
          size: KAIZEN_PNG.length,
          sha256: createHash('sha256').update(KAIZEN_PNG).digest('hex'),
          content: KAIZEN_PNG,
          uploadedBy: users.get('staff')!.id,
        });
        return { id, fileId: file.id };
      },
      usable: async ({ id, fileId }) =>
        (await loadKaizen(t, id)).status === 'draft' &&
        (await t.dataSource.getRepository(KaizenAttachment).count({ where: { id: fileId, reportId: id } })) === 1,
    },
  };

  /** A call open to all staff from today, for 30 days, made as the office persona. */
  async function newCall(): Promise<number> {
    const dto = Object.assign(new CallDto(), {
      title: 'ファズの募集',
      issueText: '課題',
      opensOn: today(),
      closesOn: addDays(today(), 30),
      leadDivisionId: civicDivisionId,
      audience: 'all',
    });
    return (await t.app.get(CallsService).create(users.get('office')!, dto, [])).id;
  }

  /** A カイゼン report of the staff persona (区民課, whose 所属長 is demo-head), through the form. */
  async function newKaizen(intent: 'draft' | 'submit'): Promise<number> {
    const res = await post('staff', '/kaizen', { ...validKaizen({ categoryId: String(ids.category[0]), doneOn: '2020-04-01' }), intent });
    await expectRedirect(res, `a カイゼン report (${intent})`);
    return kaizenIdFrom(res.headers.location);
  }

  async function paramsFor(key: string, kind: TargetKind): Promise<Record<string, number>> {
    const current = targets.get(key);
    if (current && (await TARGETS[kind].usable(current))) return current;
    lastSnapshot = null;
    const made = await TARGETS[kind].make();
    targets.set(key, made);
    return made;
  }

  // --- placeholders ---

  /** What the placeholders of the judging and award forms pick from, for these :params. */
  async function listsFor(kind: TargetKind | undefined, params: Record<string, number>): Promise<Record<string, string[]>> {
    if (!kind || !(ROUND_TARGETS.has(kind) || OTHER_TARGETS.has(kind))) return {};
    const rounds = t.dataSource.getRepository(JudgingRound);
    const entries = t.dataSource.getRepository(JudgingEntry);
    const closed = await rounds.find({ where: { status: 'closed' }, order: { id: 'ASC' } });
    const lists: Record<string, string[]> = {
      number: ids.numbers,
      judge: ids.judges.map(String),
      'closed-round': closed.map((r) => String(r.id)),
    };
    if (ROUND_TARGETS.has(kind)) lists.entry = (await entries.find({ where: { roundId: params.id } })).map((e) => String(e.proposalId));
    if (params.year) {
      lists.tier = (await t.dataSource.getRepository(AwardTier).find({ where: { fiscalYear: params.year }, order: { id: 'ASC' } })).map((tier) =>
        String(tier.id),
      );
      const ofYear = closed.filter((r) => r.fiscalYear === params.year).map((r) => r.id);
      lists['round-of-year'] = ofYear.map(String);
      lists.ranking = (await entries.find({ where: { roundId: In(ofYear.length ? ofYear : [0]) } })).map((e) => String(e.proposalId));
    }
    return lists;
  }

  function resolver(persona: PersonaName, version: number | null, lists: Record<string, string[]>) {
    return (name: string, fields: Fields): string => {
      const [kind, arg] = name.split(':');
      const pick = <T>(list: T[]) => list[Number(arg) % list.length];
      switch (kind) {
        case 'version':
          return version === null ? '1' : String(version);
        case 'numbers':
          return ids.numbers.join(' ');
        case 'division':
          return String(pick(ids.division));
        case 'category':
          return String(pick(ids.category));
        case 'login':
          return pick(ids.logins);
        case 'logins':
          return ids.logins.join('、');
        case 'login-user':
          return LOGIN_USER;
        case 'date':
          return addDays(today(), Number(arg));
        case 'password':
          return persona === 'anonymous' ? LOGIN_PASSWORD : (passwords.get(persona) ?? TEST_PASSWORD);
        case 'same': {
          const other = fields.find(([k]) => k === arg)?.[1];
          return typeof other === 'string' ? other : '';
        }
        default:
          if (kind in lists) return lists[kind].length ? pick(lists[kind]) : '';
          throw new Error(`unknown placeholder @@${name}@@`);
      }
    };
  }

  // --- the checks ---

  function logLinesSince(mark: number): LogLine[] {
    return t
      .rawLog()
      .slice(mark)
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as LogLine);
  }

  /** A value as the server receives it, or null when the encoding makes that unpredictable. */
  function delivered(value: string, encoding: FormInput['encoding']): string | null {
    const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
    // qs keeps a value it cannot decode (a lone surrogate's bytes) as sent, except that it turns every
    // %5B and %5D of the whole body into brackets first. (Browsers send U+FFFD instead.)
    if (encoding === 'form') return loneSurrogate.test(value) ? percentEncode(value).replace(/%5B/gi, '[').replace(/%5D/gi, ']') : value;
    if (encoding === 'json') return value.replace(new RegExp(loneSurrogate.source, 'g'), '\ufffd');
    return null; // raw fragments may have changed it
  }

  /** What a text field's value is once stored: as delivered, then trimmed as the DTOs do. */
  function storedText(value: string, encoding: FormInput['encoding']): string | null {
    return delivered(value, encoding)?.trim() ?? null;
  }

  /** Whether a multipart form carries exactly one dryRun field, ticked (as the Checkbox decorator reads it). */
  function dryRunTicked(input: MultipartInput): boolean {
    const values = input.parts
      .filter((part) => part.headers.some((h) => /^Content-Disposition: form-data; name="dryRun"$/.test(h)))
      .map((part) => part.body.toString('utf8'));
    return values.length === 1 && ['on', 'true', '1'].includes(values[0]);
  }

  const summarize = (input: Input, wire: WireRequest): string => {
    const body = wire.body ? wire.body.subarray(0, 600).toString('utf8') : '';
    return `${input.kind === 'form' ? `encoding=${input.encoding} csrf=${input.csrf}` : `multipart content-type=${input.contentType} csrf=${input.csrf}`} headers=${JSON.stringify(wire.headers)} body(${wire.body?.length ?? 0} bytes)=${JSON.stringify(body)}`;
  };

  function checkPage(where: string, res: Response, sent: string[]): void {
    const html = res.text ?? '';
    const leak = internalText(html, sent);
    if (leak) throw new Error(`${where}: the page shows internal text: …${leak}…`);
    if (/html/.test(String(res.headers['content-type'] ?? ''))) {
      const foreign = foreignMarkup(html);
      if (foreign.length) throw new Error(`${where}: markup no template produces (unescaped input?):\n${foreign.slice(0, 5).join('\n')}`);
    }
  }

  async function exercise(key: string, route: FuzzRoute, input: Input): Promise<void> {
    const pathPattern = key.slice('POST '.length);
    if (route.persona === 'anonymous') {
      // The login throttle would soon answer every attempt with 429; let it do so now and then, not always.
      const [{ count }] = await t.dataSource.query('SELECT COUNT(*) AS count FROM login_failures');
      if (Number(count) >= 25) await t.dataSource.query('DELETE FROM login_failures');
    }
    const actor = await actorFor(route.persona);
    const params = route.target ? await paramsFor(key, route.target) : {};
    const path = pathPattern.replace(/:([A-Za-z]+)/g, (_, name: string) => String(params[name]));
    const version =
      !route.target || !params.id || OTHER_TARGETS.has(route.target)
        ? null
        : ROUND_TARGETS.has(route.target)
          ? (await loadRound(params.id)).version
          : KAIZEN_TARGETS.has(route.target)
            ? (await loadKaizen(t, params.id)).version
            : CALL_TARGETS.has(route.target)
              ? (await t.dataSource.getRepository(ThemedCall).findOneByOrFail({ id: params.id })).version
              : (await loadProposal(t, params.id)).version;
    const lists = await listsFor(route.target, params);

    const resolved: Input = input.kind === 'form' ? { ...input, fields: resolve(input.fields, resolver(route.persona, version, lists)) } : input;
    const wire = resolved.kind === 'form' ? encodeForm(resolved, actor.token) : encodeMultipart(resolved, actor.token);
    // What the page may echo back (refused forms show what was typed; messages quote file names).
    const sent = resolved.kind === 'form' ? textsOf(resolved.fields) : resolved.parts.flatMap((part) => [...part.headers, part.body.toString('utf8')]);

    const before = lastSnapshot ?? (await snapshotNow());
    const logMark = t.rawLog().length;
    const query = new URLSearchParams(wire.query).toString();
    // serialize: the body goes out byte for byte (superagent would re-encode a Buffer as a form or JSON).
    let req = actor.agent
      .post(query ? `${path}?${query}` : path)
      .timeout(30_000)
      .serialize((body: unknown) => body as string);
    for (const [name, value] of Object.entries(wire.headers)) req = req.set(name, value);
    const sentAt = Date.now();
    const res = wire.body ? await req.send(wire.body) : await req;
    timing.request += Date.now() - sentAt;
    timing.requests += 1;
    slowest.push([
      Date.now() - sentAt,
      `${key} ${res.status} ${wire.body?.length ?? 0}B ${resolved.kind === 'form' ? resolved.encoding : resolved.contentType}`,
    ]);
    slowest.sort((a, b) => b[0] - a[0]).splice(25);

    const where = `${key} (${path}) answered ${res.status} to ${summarize(resolved, wire)}`;
    const byStatus = stats.get(key) ?? new Map<number, number>();
    byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
    stats.set(key, byStatus);

    // The app runs in this process: a polluted Object.prototype would show here.
    const polluted = Object.getOwnPropertyNames(Object.prototype).filter((name) => !PROTOTYPE_KEYS.has(name));
    if (polluted.length) throw new Error(`${where}: Object.prototype gained ${polluted.join(', ')}`);
    const errors = logLinesSince(logMark).filter((line) => line.level === 'error');
    if (res.status >= 500) throw new Error(`${where}: a server error. Logged: ${JSON.stringify(errors).slice(0, 1500)}`);
    if (errors.length) throw new Error(`${where}: error logged: ${JSON.stringify(errors).slice(0, 1500)}`);
    checkPage(where, res, sent);

    if (process.env.FUZZ_STATS && res.status === 422) {
      // Why inputs are refused, to tune the generators towards accepted ones.
      const summary = /<div class="error-summary"[\s\S]*?<\/div>/.exec(res.text ?? '')?.[0] ?? '';
      for (const [, message] of summary.matchAll(/<li>([\s\S]*?)<\/li>/g)) {
        const reasons = refusals.get(key) ?? new Map<string, number>();
        reasons.set(message.trim(), (reasons.get(message.trim()) ?? 0) + 1);
        refusals.set(key, reasons);
      }
    }
    if (res.status >= 400) {
      const after = await snapshotNow();
      const changed = snapshotChanges(before, after);
      if (changed.length) throw new Error(`${where}: refused, but the database changed: ${changed.join('; ')}`);
      lastSnapshot = after;
      return;
    }
    lastSnapshot = null;
    if (route.okStatuses?.includes(res.status)) {
      // The ledger import answers 200 with its result. A trial run (dryRun ticked) stores nothing.
      if (resolved.kind === 'multipart' && dryRunTicked(resolved)) {
        const changed = snapshotChanges(before, await snapshotNow());
        if (changed.length) throw new Error(`${where}: a trial run changed the database: ${changed.join('; ')}`);
      } else {
        const list = await actor.agent.get('/proposals');
        checkPage(`${where}, then GET /proposals`, list, sent);
      }
      return;
    }
    if (res.status !== 303) throw new Error(`${where}: neither a refusal nor a redirect`);
    await accepted(key, route, resolved, res, where, sent);
  }

  /** After a 303: the redirect stays on this site, and the page shows what was stored, escaped. */
  async function accepted(key: string, route: FuzzRoute, input: Input, res: Response, where: string, sent: string[]): Promise<void> {
    const location = String(res.headers.location ?? '');
    if (!/^\/(?![/\\])[^\u0000-\u001f\u007f]*$/.test(location))
      throw new Error(`${where}: redirects off the site or to an odd place: ${JSON.stringify(location)}`);

    if (route.persona === 'anonymous') {
      // Signed in: the next run starts again from a fresh visitor.
      actors.delete('anonymous');
      return;
    }
    if (route.persona === 'logout') return;
    if (key === 'POST /account/password' && input.kind === 'form') {
      const typed = input.fields.find(([k]) => k === 'newPassword')?.[1] as string;
      const newPassword = delivered(typed, input.encoding);
      const userId = users.get('password')!.id;
      if (newPassword === null) {
        // Raw fragments made the new password unpredictable: put a known one back (the hash only, so
        // this session stays signed in).
        await t.dataSource.getRepository(User).update(userId, { passwordHash: await hashPassword(TEST_PASSWORD) });
        passwords.set('password', TEST_PASSWORD);
        return;
      }
      const hash = (
        await t.dataSource.getRepository(User).createQueryBuilder('u').addSelect('u.passwordHash').where('u.id = :id', { id: userId }).getOneOrFail()
      ).passwordHash;
      if (!(await verifyPassword(hash, newPassword))) throw new Error(`${where}: accepted, but the stored password is not the one sent`);
      passwords.set('password', newPassword);
      return;
    }

    const { agent } = await actorFor(route.persona);
    const pageUrl = route.renderedOn ? route.renderedOn(location) : location;
    const page = await agent.get(pageUrl);
    if (page.status !== 200) throw new Error(`${where}: the page after it (${pageUrl}) answered ${page.status}`);
    checkPage(`${where}, then GET ${pageUrl}`, page, sent);

    if (key === 'POST /proposals/:id/attachments') await attachmentComesBackSafe(where, location, page.text);
    if (input.kind !== 'form') return;
    if (route.renderedWhen && !route.renderedWhen(input.fields)) return;
    for (const field of route.rendered ?? []) {
      const values = input.fields.filter(([k]) => k === field).map(([, v]) => v);
      if (values.length !== 1 || typeof values[0] !== 'string') continue;
      const stored = storedText(values[0], input.encoding);
      if (!stored) continue;
      const escaped = escapeLikeTemplates(stored);
      if (!page.text.includes(escaped)) {
        throw new Error(`${where}: ${field} was accepted but ${pageUrl} does not show it escaped (${JSON.stringify(escaped.slice(0, 200))})`);
      }
    }
  }

  /** The newest attachment: a clean name, shown escaped, and downloaded with a well-formed header. */
  async function attachmentComesBackSafe(where: string, location: string, page: string): Promise<void> {
    const proposalId = proposalIdFrom(location);
    const [attachment] = await t.dataSource.getRepository(Attachment).find({ where: { proposalId }, order: { id: 'DESC' }, take: 1 });
    if (!attachment) throw new Error(`${where}: accepted, but no attachment was stored`);
    const name = attachment.fileName;
    if (!name || /[\p{Cc}\p{Cf}\p{Cs}/\\]/u.test(name) || [...name].length > 255)
      throw new Error(`${where}: stored an unsafe file name ${JSON.stringify(name)}`);
    if (!page.includes(escapeLikeTemplates(name))) throw new Error(`${where}: the proposal page does not show the file name escaped (${JSON.stringify(name)})`);
    const download = await (
      await actorFor('staff')
    ).agent
      .get(`/proposals/${proposalId}/attachments/${attachment.id}`)
      .buffer(true)
      .parse((res, done) => {
        res.on('data', () => undefined);
        res.on('end', () => done(null, null));
      });
    const disposition = String(download.headers['content-disposition'] ?? '');
    if (download.status !== 200 || !/^attachment; filename="[\x20\x21\x23-\x7e]*"; filename\*=UTF-8''[A-Za-z0-9%!#$&+^_`|~.-]+$/.test(disposition)) {
      throw new Error(`${where}: the download answered ${download.status} with Content-Disposition ${JSON.stringify(disposition)}`);
    }
  }

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
    const divisions = await t.dataSource.getRepository(Division).find({ order: { id: 'ASC' } });
    const civic = divisions.find((d) => d.code === '211')!;
    civicDivisionId = civic.id;

    const personas: [PersonaName, User][] = [
      ['admin', await createUser(t, { roles: ['admin'], login: 'fuzz-admin', divisionCode: '122' })],
      ['staff', await createUser(t, { roles: ['staff'], login: 'fuzz-staff', divisionCode: '411' })],
      ['office', await createUser(t, { roles: ['office'], login: 'fuzz-office', divisionCode: '121' })],
      ['reviewer', await createUser(t, { roles: ['staff', 'reviewer'], login: 'fuzz-reviewer', divisionCode: '211' })],
      // 財政課: no conflict of interest with the staff persona's proposals (区民課)
      ['judge', await createUser(t, { roles: ['staff', 'judge'], login: 'fuzz-judge', divisionCode: '311' })],
      ['password', await createUser(t, { roles: ['staff'], login: 'fuzz-password', divisionCode: '411' })],
      ['logout', await createUser(t, { roles: ['staff'], login: 'fuzz-logout', divisionCode: '411' })],
    ];
    for (const [name, user] of personas) users.set(name, user);
    await createUser(t, { roles: ['staff'], login: LOGIN_USER, password: LOGIN_PASSWORD });

    targetUserId = (await createUser(t, { roles: ['staff'], login: 'fuzz-target', divisionCode: '411' })).id;
    const created = await post('admin', '/admin/divisions', {
      code: 'FUZZ',
      kind: 'section',
      name: 'ファズ課',
      parentId: String(divisions.find((d) => d.code === '210')!.id),
      validFrom: '2020-04-01',
      sortOrder: '0',
    });
    await expectRedirect(created, 'the target division');
    targetDivisionId = (await t.dataSource.getRepository(Division).findOneByOrFail({ code: 'FUZZ' })).id;
    await expectRedirect(await post('admin', '/admin/categories', { name: 'ファズ分野', sortOrder: '9', active: 'on' }), 'the target category');
    targetCategoryId = (await t.dataSource.getRepository(Category).findOneByOrFail({ name: 'ファズ分野' })).id;

    ids.division = divisions.map((d) => d.id);
    ids.category = (await t.dataSource.getRepository(Category).find({ where: { active: true }, order: { id: 'ASC' } })).map((c) => c.id);
    ids.logins = ['demo-staff', 'demo-reviewer', 'fuzz-reviewer'];
    // A notification for the staff persona to open.
    await newUnderReview();
    // Submitted proposals for the rounds' entries; the users with the 審査員 role, and one without it.
    for (let i = 0; i < 4; i++) ids.numbers.push((await loadProposal(t, await newSubmitted())).number!);
    const everyone = await t.dataSource.getRepository(User).find({ order: { id: 'ASC' } });
    ids.judges = [...everyone.filter((u) => u.roles.includes('judge')).map((u) => u.id), users.get('staff')!.id];
    // A closed round, for entries taken from the top of an earlier one.
    await newRound('closed');
  }, 60_000);

  afterAll(async () => {
    if (process.env.FUZZ_STATS) {
      for (const [key, byStatus] of [...stats].sort()) console.log(key, JSON.stringify(Object.fromEntries([...byStatus].sort())));
      for (const [key, reasons] of [...refusals].sort()) {
        console.log(
          key,
          [...reasons]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 8)
            .map(([m, n]) => `${n}× ${m.slice(0, 80)}`)
            .join('\n  '),
        );
      }
      console.log('timing (ms)', JSON.stringify(timing), slowest.map(([ms, what]) => `${ms}ms ${what}`).join('\n'));
    }
    await t?.close();
  });

  it('has a fuzz description for exactly the POST routes the application registers', () => {
    const registered = registeredPostRoutes(t);
    const described = Object.keys(ROUTES).sort();
    expect(registered.length).toBeGreaterThan(20);
    expect({ undescribed: registered.filter((r) => !described.includes(r)), notRegistered: described.filter((r) => !registered.includes(r)) }).toEqual({
      undescribed: [],
      notRegistered: [],
    });
  });

  // The checks themselves must be able to fail, or passing runs prove nothing.
  it('notices markup that no template produces, and none on a real page', async () => {
    const { agent } = await actorFor('staff');
    const page = (await agent.get('/proposals/new')).text;
    expect(foreignMarkup(page)).toEqual([]);
    const inject = (html: string) => page.replace('</main>', `${html}</main>`);
    expect(foreignMarkup(inject('<p>"><img src=x onerror=alert(1)></p>'))).not.toEqual([]);
    expect(foreignMarkup(inject('<script>alert(1)</script>'))).not.toEqual([]);
    expect(foreignMarkup(inject('<input name="q" value="" autofocus onfocus="alert(1)">'))).not.toEqual([]);
    expect(foreignMarkup(inject('<a href="javascript:alert(1)">x</a>'))).not.toEqual([]);
    expect(foreignMarkup(inject(`<p>${escapeLikeTemplates('"><img src=x onerror=alert(1)><script>alert(1)</script>')}</p>`))).toEqual([]);
  });

  it('notices a changed row, and ignores the session a request touches', async () => {
    const before = await databaseSnapshot(t);
    await (await actorFor('admin')).agent.get('/admin/categories');
    expect(snapshotChanges(before, await databaseSnapshot(t))).toEqual([]);
    await t.dataSource.getRepository(Category).update(targetCategoryId, { sortOrder: 99 });
    const changed = snapshotChanges(before, await databaseSnapshot(t));
    await t.dataSource.getRepository(Category).update(targetCategoryId, { sortOrder: 9 });
    const n = before.categories.rows;
    expect(changed).toEqual([`categories: ${n} rows → ${n} rows (contents changed)`]);
    lastSnapshot = null;
  });

  it('stores markup and template syntax as text and shows it escaped', async () => {
    const payloads = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "{{constructor.constructor('alert(1)')()}}", "' or '1'='1 --"];
    const res = await post('staff', '/proposals', {
      intent: 'draft',
      title: payloads[1],
      categoryId: String(ids.category[0]),
      currentProblem: payloads.join('\n'),
      proposalText: payloads[0],
      expectedEffect: payloads[2],
    });
    expect(res.status).toBe(303);
    const page = (await (await actorFor('staff')).agent.get(res.headers.location)).text;
    expect(foreignMarkup(page)).toEqual([]);
    for (const payload of payloads) expect(page).toContain(escapeLikeTemplates(payload));
    expect(page).not.toContain(payloads[0]);
    expect(page).not.toContain(payloads[1]);
  });

  const routeEntries = Object.entries(ROUTES);

  /** Runs one route's property; afterwards the login throttle forgets the fuzzed logins, so later sign-ins work. */
  async function fuzz(key: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } finally {
      if (key === 'POST /login') {
        await t.dataSource.query('DELETE FROM login_failures');
        lastSnapshot = null;
      }
    }
  }

  it.each(routeEntries)(
    '%s: described fields with hostile values',
    async (key, route) => {
      const arbitrary: fc.Arbitrary<Input> = route.multipart ? multipartInput(route.multipart) : describedForm(route.fields ?? {});
      await fuzz(key, () =>
        fc.assert(
          fc.asyncProperty(arbitrary, (input) => exercise(key, route, input)),
          {
            ...assertOptions(route.runs ?? DEFAULT_RUNS),
            examples: (route.examples ?? []).map((e) => [e] as [Input]),
          },
        ),
      );
    },
    120_000,
  );

  it.each(routeEntries)(
    '%s: random fields and encodings',
    async (key, route) => {
      const names = Object.keys(route.fields ?? route.multipart?.fields ?? {});
      const arbitrary: fc.Arbitrary<Input> = route.multipart
        ? fc.oneof(randomForm([route.multipart.fileField, ...names]), multipartInput({ ...route.multipart, fields: {} }))
        : randomForm(names);
      await fuzz(key, () =>
        fc.assert(
          fc.asyncProperty(arbitrary, (input) => exercise(key, route, input)),
          assertOptions(route.randomRuns ?? DEFAULT_RANDOM_RUNS),
        ),
      );
    },
    120_000,
  );
});
