import TestAgent from 'supertest/lib/agent';
import { Division } from '../../src/organization/division.entity';
import { addDays } from '../../src/proposals/proposal-view.service';
import { TestApp } from './test-app';
import { csrfToken } from './users';

/** A small real PDF: enough to be recognized by its content. */
export const CALL_PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1');

export async function divisionId(t: TestApp, code: string): Promise<number> {
  return (await t.dataSource.getRepository(Division).findOneByOrFail({ code })).id;
}

/**
 * Posts the office's call form as a browser does (multipart, the CSRF token in the address), with the
 * given fields; a field given as a list is sent once per value (checkboxes). Files as [name, content].
 */
export async function postCallForm(office: TestAgent, fields: Record<string, string | string[]>, files: [string, Buffer][] = []) {
  const token = await csrfToken(office, '/calls/new');
  let req = office.post(`/calls?_csrf=${encodeURIComponent(token)}`);
  for (const [name, value] of Object.entries(fields)) for (const v of Array.isArray(value) ? value : [value]) req = req.field(name, v);
  for (const [name, content] of files) req = req.attach('files', content, { filename: name, contentType: 'application/octet-stream' });
  return req;
}

/** A call open to everyone from the clock's today for 30 days, lead 市民課 (211); returns its id. */
export async function createCall(t: TestApp, office: TestAgent, overrides: Record<string, string | string[]> = {}): Promise<number> {
  const today = t.clock.today();
  const res = await postCallForm(office, {
    title: '窓口の待ち時間を減らすには',
    issueText: '繁忙期の窓口では1時間以上お待たせすることがあります。待ち時間を減らすアイデアを募集します。',
    opensOn: today,
    closesOn: addDays(today, 30),
    leadDivisionId: String(await divisionId(t, '211')),
    audience: 'all',
    ...overrides,
  });
  const match = /^\/calls\/(\d+)$/.exec(res.headers.location ?? '');
  if (res.status !== 303 || !match) throw new Error(`call not created: ${res.status} ${res.text.slice(0, 400)}`);
  return Number(match[1]);
}
