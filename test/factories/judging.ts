import TestAgent from 'supertest/lib/agent';
import { JudgingRound } from '../../src/judging/judging.entities';
import { postForm } from './proposals';
import { TestApp } from './test-app';

/** The office creates a round through the form; returns its id. */
export async function createRound(office: TestAgent, fields: Record<string, string> = {}): Promise<number> {
  const res = await postForm(
    office,
    '/judging/rounds',
    { name: '一次審査', fiscalYear: '2026', opensOn: '2026-12-01', closesOn: '2026-12-20', ...fields },
    '/judging/rounds/new',
  );
  const match = /^\/judging\/rounds\/(\d+)$/.exec(res.headers.location ?? '');
  if (res.status !== 303 || !match)
    throw new Error(`creating a round failed: ${res.status} ${/error-summary[\s\S]*?<\/ul>/.exec(res.text)?.[0] ?? res.text.slice(0, 400)}`);
  return Number(match[1]);
}

export async function roundVersion(t: TestApp, id: number): Promise<string> {
  return String((await t.dataSource.getRepository(JudgingRound).findOneByOrFail({ id })).version);
}

/** Posts a round action (open, close) with the round's current version. */
export async function roundAction(t: TestApp, office: TestAgent, id: number, action: 'open' | 'close', extra: Record<string, string> = {}) {
  return postForm(office, `/judging/rounds/${id}/${action}`, { version: await roundVersion(t, id), ...extra }, `/judging/rounds/${id}`);
}

/** A judge's sheet: scores in criterion order (score1 …), "" for not scored. */
export function sheet(scores: (number | '')[], comment = ''): Record<string, string> {
  return { ...Object.fromEntries(scores.map((s, i) => [`score${i + 1}`, String(s)])), comment, after: 'stay' };
}

export function scoreEntry(judge: TestAgent, roundId: number, proposalId: number, fields: Record<string, string>) {
  return postForm(judge, `/scoring/${roundId}/entries/${proposalId}`, fields, `/scoring/${roundId}`);
}
