import TestAgent from 'supertest/lib/agent';
import { KaizenHistoryEntry, KaizenReport } from '../../src/kaizen/kaizen.entities';
import { postForm } from './proposals';
import { TestApp } from './test-app';

/** A one-pixel PNG: a photo as far as the file checks go. */
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

export const validKaizen = (overrides: Record<string, string> = {}): Record<string, string> => ({
  title: '窓口の受付票をタブレット入力に変えた',
  categoryId: '1',
  problem: '紙の受付票を職員が転記していた。',
  changeText: '来庁者がタブレットで入力し、そのまま台帳に取り込むようにした。',
  doneOn: '2026-05-20',
  effectHours: '1,200',
  effectYen: '',
  effectText: '転記ミスがなくなった。',
  members: '',
  ...overrides,
});

export interface KaizenFile {
  name: string;
  content: Buffer;
}

/** The report form's action (with its CSRF token) and version, as the page renders them. */
export async function openKaizenForm(agent: TestAgent, path = '/kaizen/new'): Promise<{ action: string; version?: string; text: string }> {
  const page = await agent.get(path);
  if (page.status !== 200) throw new Error(`opening ${path}: ${page.status}`);
  const action = /<form method="post" action="([^"]*\?_csrf=[^"]+)" enctype="multipart\/form-data"/.exec(page.text)?.[1];
  if (!action) throw new Error(`no multipart form on ${path}`);
  return { action: action.replace(/&amp;/g, '&'), version: /name="version" value="([^"]+)"/.exec(page.text)?.[1], text: page.text };
}

/** Sends the report form as a browser does (multipart: the text fields, then the files). */
export async function sendKaizenForm(agent: TestAgent, fields: Record<string, string>, files: KaizenFile[] = [], path = '/kaizen/new') {
  const { action, version } = await openKaizenForm(agent, path);
  let req = agent.post(action);
  const all = version && fields.version === undefined ? { ...fields, version } : fields;
  for (const [name, value] of Object.entries(all)) req = req.field(name, value);
  for (const file of files) req = req.attach('files', file.content, { filename: file.name, contentType: 'application/octet-stream' });
  return req;
}

export function kaizenIdFrom(location: string | undefined): number {
  const match = /^\/kaizen\/(\d+)$/.exec(location ?? '');
  if (!match) throw new Error(`not a report location: ${location}`);
  return Number(match[1]);
}

/** Files a report through the form (submitted to the 所属長 unless intent says otherwise); returns its id. */
export async function fileKaizen(agent: TestAgent, overrides: Record<string, string> = {}, files: KaizenFile[] = []): Promise<number> {
  const res = await sendKaizenForm(agent, { ...validKaizen(), intent: 'submit', ...overrides }, files);
  if (res.status !== 303)
    throw new Error(`filing a report failed: ${res.status} ${/error-summary[\s\S]*?<\/ul>/.exec(res.text)?.[0] ?? res.text.slice(0, 300)}`);
  return kaizenIdFrom(res.headers.location);
}

export function loadKaizen(t: TestApp, id: number): Promise<KaizenReport> {
  return t.dataSource.getRepository(KaizenReport).findOneByOrFail({ id });
}

export function kaizenHistory(t: TestApp, id: number): Promise<KaizenHistoryEntry[]> {
  return t.dataSource.getRepository(KaizenHistoryEntry).find({ where: { reportId: id }, order: { id: 'ASC' } });
}

/** Posts a step of the report page (confirm, return, publish, nominate) with the report's current version unless given. */
export async function kaizenStep(
  t: TestApp,
  agent: TestAgent,
  id: number,
  action: 'confirm' | 'return' | 'publish' | 'nominate',
  fields: Record<string, string> = {},
) {
  const version = String((await loadKaizen(t, id)).version);
  return postForm(agent, `/kaizen/${id}/${action}`, { version, ...fields }, '/kaizen');
}
