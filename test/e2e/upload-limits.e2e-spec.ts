import { request as httpRequest, IncomingMessage } from 'node:http';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import TestAgent from 'supertest/lib/agent';
import { uploadTempRoot } from '../../src/common/upload-limits';
import { Attachment } from '../../src/attachments/attachment.entity';
import { postForm, proposalIdFrom, validProposal } from '../factories/proposals';
import { baseUrl, createTestApp, TestApp } from '../factories/test-app';
import { createUser, csrfToken, seedDemo, signIn } from '../factories/users';

/*
 * Issue 10, uploads: the permission is checked before the body is read, uploads at once are capped per
 * user and in total, and files go to private temporary files that are gone after the request.
 * The requests are written by hand (node:http), so a test can send part of a body and see the answer
 * arrive before the rest is sent.
 */

const MB = 1024 * 1024;
const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1');
/** One 10 MB file shared by every request, so the test's own memory does not grow with N. */
const TEN_MB = Buffer.concat([PDF, Buffer.alloc(10 * MB - PDF.length - 4096, 0x20)]);
const BOUNDARY = '----tane-upload-limits';

/**
 * Files under this test's own temporary upload root (common/upload-limits.ts). Only its own: roots of
 * earlier test files or earlier runs on the same machine are not this test's business.
 */
function tempUploadFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      try {
        if (statSync(path).isDirectory()) walk(path);
        else found.push(path);
      } catch {
        // removed meanwhile
      }
    }
  };
  walk(uploadTempRoot());
  return found;
}

async function until(condition: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return condition();
}

interface RawUpload {
  /** Resolves with the response (status and body), or null when the connection failed first. */
  response: Promise<{ status: number; body: string; headers: IncomingMessage['headers'] } | null>;
  /** How many body bytes had been handed to the socket when the response began. */
  sentWhenAnswered: () => number | null;
  /** Sends the rest of the body. */
  finish: () => void;
  abort: () => void;
}

describe('uploads cannot exhaust memory (issue 10)', () => {
  let t: TestApp;
  const agents: Record<string, TestAgent> = {};
  const cookies: Record<string, string> = {};
  const drafts: Record<string, number> = {};

  beforeAll(async () => {
    t = await createTestApp({ listen: true });
    await seedDemo(t);
    for (const login of ['ul-a', 'ul-b', 'ul-c', 'ul-d', 'ul-other']) {
      await createUser(t, { login, roles: ['staff'], divisionCode: '411' });
      agents[login] = await signIn(t, login);
      const res = await agents[login].get('/');
      cookies[login] = (res as unknown as { req: { getHeader(name: string): string } }).req.getHeader('cookie');
      const created = await postForm(agents[login], '/proposals', { ...validProposal({ title: `${login}の下書き` }), intent: 'draft' }, '/proposals/new');
      expect(created.status).toBe(303);
      drafts[login] = proposalIdFrom(created.headers.location);
    }
  }, 60_000);
  afterAll(() => t.close());

  /** A multipart post of `file` to `path`; only `initialBytes` of the body are sent until finish(). */
  async function rawUpload(login: string, path: string, file: Buffer, initialBytes = Infinity): Promise<RawUpload> {
    const token = await csrfToken(agents[login], '/');
    const head = Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
      'utf8',
    );
    const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`, 'utf8');
    const url = new URL(`${path}?_csrf=${token}`, baseUrl(t));
    const req = httpRequest(url, {
      method: 'POST',
      agent: false,
      headers: {
        Cookie: cookies[login],
        'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
        'Content-Length': String(head.length + file.length + tail.length),
      },
    });
    let sent = 0;
    let sentAtAnswer: number | null = null;
    const write = (chunk: Buffer) => {
      sent += chunk.length;
      req.write(chunk);
    };
    const response = new Promise<{ status: number; body: string; headers: IncomingMessage['headers'] } | null>((resolve) => {
      req.on('response', (res) => {
        sentAtAnswer = sent;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
        res.on('error', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      });
      req.on('error', () => resolve(null));
    });
    write(head);
    const first = Math.min(initialBytes, file.length);
    write(file.subarray(0, first));
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      if (first < file.length) write(file.subarray(first));
      write(tail);
      req.end();
    };
    if (first === file.length) finish();
    return { response, sentWhenAnswered: () => sentAtAnswer, finish, abort: () => req.destroy() };
  }

  it('refuses a 10 MB upload to a proposal the user may not change before reading the body (404, connection closed)', async () => {
    const upload = await rawUpload('ul-other', `/proposals/${drafts['ul-a']}/attachments`, TEN_MB, 256 * 1024);
    const answered = await Promise.race([upload.response, new Promise<'no answer'>((r) => setTimeout(() => r('no answer'), 5000))]);
    upload.abort();
    expect(answered).not.toBe('no answer');
    expect(answered && answered !== 'no answer' ? answered.status : null).toBe(404);
    // the answer came while most of the file had not been sent
    expect(upload.sentWhenAnswered()).toBeLessThan(MB);
    expect(await t.dataSource.getRepository(Attachment).count()).toBe(0);
  });

  it('refuses the edit form of a proposal the user may not edit before reading the body', async () => {
    const upload = await rawUpload('ul-other', `/proposals/${drafts['ul-a']}`, TEN_MB, 256 * 1024);
    const answered = await Promise.race([upload.response, new Promise<'no answer'>((r) => setTimeout(() => r('no answer'), 5000))]);
    upload.abort();
    expect(answered).not.toBe('no answer');
    expect(answered && answered !== 'no answer' ? answered.status : null).toBe(404);
  });

  it('refuses the ledger import to a user without the office role before reading the body', async () => {
    const upload = await rawUpload('ul-other', '/ledger/import', TEN_MB.subarray(0, 4 * MB), 128 * 1024);
    const answered = await Promise.race([upload.response, new Promise<'no answer'>((r) => setTimeout(() => r('no answer'), 5000))]);
    upload.abort();
    expect(answered).not.toBe('no answer');
    expect(answered && answered !== 'no answer' ? answered.status : null).toBe(403);
  });

  it('does not grow by N × 10 MB for 20 parallel refused 10 MB posts', async () => {
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const uploads = await Promise.all(Array.from({ length: 20 }, () => rawUpload('ul-other', `/proposals/${drafts['ul-a']}/attachments`, TEN_MB)));
    const answers = await Promise.all(uploads.map((u) => u.response));
    clearInterval(sampler);
    uploads.forEach((u) => u.abort());
    // every one refused (or cut off by the server closing the connection after its answer)
    for (const answer of answers) if (answer) expect(answer.status).toBe(404);
    // 20 × 10 MB read into memory would be 200 MB and more; a generous bound for everything else
    expect((peak - before) / MB).toBeLessThan(100);
    expect(await t.dataSource.getRepository(Attachment).count()).toBe(0);
  });

  it('caps uploads at once per user (429) and in total (503) with a Japanese page, storing nothing, and removes temporary files whatever happens', async () => {
    const held: RawUpload[] = [];
    // two each for three users: the six slots of the instance
    for (const login of ['ul-a', 'ul-b', 'ul-c']) {
      for (let i = 0; i < 2; i++) held.push(await rawUpload(login, `/proposals/${drafts[login]}/attachments`, TEN_MB, 512 * 1024));
    }
    // the held uploads have started to stream into temporary files
    expect(await until(() => tempUploadFiles().length >= 6)).toBe(true);

    const third = await rawUpload('ul-a', `/proposals/${drafts['ul-a']}/attachments`, TEN_MB, 64 * 1024);
    const perUser = await third.response;
    third.abort();
    expect(perUser?.status).toBe(429);
    expect(perUser?.body).toContain('混み合っています');
    expect(perUser?.headers['retry-after']).toBeDefined();

    const another = await rawUpload('ul-d', `/proposals/${drafts['ul-d']}/attachments`, TEN_MB, 64 * 1024);
    const total = await another.response;
    another.abort();
    expect(total?.status).toBe(503);
    expect(total?.body).toContain('混み合っています');

    // cut off halfway: nothing stored, every temporary file removed
    held.forEach((u) => u.abort());
    expect(await until(() => tempUploadFiles().length === 0)).toBe(true);
    expect(await t.dataSource.getRepository(Attachment).count()).toBe(0);

    // the slots are free again: a whole upload goes through, and its temporary file is gone afterwards
    const ok = await rawUpload('ul-d', `/proposals/${drafts['ul-d']}/attachments`, TEN_MB);
    const saved = await ok.response;
    expect(saved?.status).toBe(303);
    const stored = await t.dataSource.getRepository(Attachment).findOneOrFail({ where: { proposalId: drafts['ul-d'] } });
    expect(stored.size).toBe(TEN_MB.length);
    expect(await until(() => tempUploadFiles().length === 0)).toBe(true);
  });

  it('keeps the temporary upload directory private (0700)', () => {
    expect(statSync(uploadTempRoot()).mode & 0o777).toBe(0o700);
  });

  it('removes the temporary upload directory when the application closes', async () => {
    const dir = uploadTempRoot();
    writeFileSync(join(dir, 'left-by-a-crash'), 'x');
    await t.close();
    expect(existsSync(dir)).toBe(false);
  });
});
