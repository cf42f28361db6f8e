import TestAgent from 'supertest/lib/agent';
import { Proposal } from '../../src/proposals/proposal.entity';
import { ProposalHistoryEntry } from '../../src/proposals/proposal-history.entity';
import { TestApp } from './test-app';
import { csrfToken } from './users';

/** Posts a form the way a browser would: with the session's CSRF token. */
export async function postForm(agent: TestAgent, path: string, fields: Record<string, string | string[]>, tokenFrom = '/') {
  const token = await csrfToken(agent, tokenFrom);
  return agent.post(path).type('form').send({ ...fields, _csrf: token });
}

export const validProposal = (overrides: Record<string, string> = {}) => ({
  title: '窓口の待ち時間を番号札アプリで見える化する',
  categoryId: '1',
  currentProblem: '繁忙期は窓口で1時間以上待つ方がいる。',
  proposalText: '番号札の呼出状況をウェブで公開し、外出して待てるようにする。',
  expectedEffect: '待合スペースの混雑緩和と苦情の減少。',
  estimatedHours: '120',
  estimatedYen: '300,000',
  ...overrides,
});

export async function loadProposal(t: TestApp, id: number): Promise<Proposal> {
  return t.dataSource.getRepository(Proposal).findOneOrFail({ where: { id } });
}

export async function historyOf(t: TestApp, id: number): Promise<ProposalHistoryEntry[]> {
  return t.dataSource.getRepository(ProposalHistoryEntry).find({ where: { proposalId: id }, order: { id: 'ASC' } });
}

/** The proposal id from a redirect to /proposals/:id. */
export function proposalIdFrom(location: string | undefined): number {
  const match = /^\/proposals\/(\d+)$/.exec(location ?? '');
  if (!match) throw new Error(`not a proposal location: ${location}`);
  return Number(match[1]);
}

/** Creates and submits a proposal through the form, as the given staff agent. */
export async function submitProposal(agent: TestAgent, overrides: Record<string, string> = {}): Promise<number> {
  const res = await postForm(agent, '/proposals', { ...validProposal(overrides), intent: 'submit' }, '/proposals/new');
  if (res.status !== 303) throw new Error(`submit failed: ${res.status} ${res.text.slice(0, 500)}`);
  return proposalIdFrom(res.headers.location);
}
