import TestAgent from 'supertest/lib/agent';
import { Proposal } from '../../src/proposals/proposal.entity';
import { ProposalHistoryEntry } from '../../src/proposals/proposal-history.entity';
import { TestApp } from './test-app';
import { addDays } from '../../src/proposals/proposal-view.service';
import { createUser, csrfToken, signIn } from './users';

/** Posts a form the way a browser would: with the session's CSRF token. */
export async function postForm(agent: TestAgent, path: string, fields: Record<string, string | string[]>, tokenFrom = '/') {
  const token = await csrfToken(agent, tokenFrom);
  return agent
    .post(path)
    .type('form')
    .send({ ...fields, _csrf: token });
}

/** Posts an irreversible action (取下げ, 不受理, 差戻し, 採否の決定 …) with its confirmation box ticked. */
export function postConfirmed(agent: TestAgent, path: string, fields: Record<string, string | string[]>, tokenFrom = '/') {
  return postForm(agent, path, { ...fields, confirm: 'on' }, tokenFrom);
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

/** The office and a reviewer of one division, signed in, for moving proposals along. */
export interface WorkflowActors {
  office: TestAgent;
  reviewer: TestAgent;
  divisionId: number;
}

let actorSequence = 0;

/** Creates an office user and a reviewer of the division `divisionCode` (which must exist) and signs both in. */
export async function workflowActors(t: TestApp, divisionCode = '211'): Promise<WorkflowActors> {
  actorSequence += 1;
  const office = await createUser(t, { login: `wf-office-${actorSequence}`, roles: ['staff', 'office'] });
  const reviewer = await createUser(t, { login: `wf-reviewer-${actorSequence}`, roles: ['staff', 'reviewer'], divisionCode });
  return { office: await signIn(t, office.login), reviewer: await signIn(t, reviewer.login), divisionId: reviewer.divisionId! };
}

export type AdvanceTarget = 'under_review' | 'awaiting_decision' | 'decided';

export interface AdvanceOptions {
  /** The decision (採否); 採用 by default. */
  decision?: string;
  /** The opinion's due date; 30 days from today by default. */
  dueOn?: string;
  /** Divisions routed besides the actors' (the lead). They must give their opinions themselves before a decision. */
  relatedDivisionIds?: number[];
  /** The office's comment on the 受理・回付 form; none by default. */
  routingComment?: string;
  /** The outcome the lead division recommends in its opinion; 採用 by default. */
  outcome?: string;
  opinionText?: string;
  reason?: string;
  answer?: string;
}

/**
 * Moves a submitted proposal on to `to` through the same forms people use: 受理・回付 to the actors'
 * division, its opinion, then the decision. One place for the sequence, so tests do not repeat it.
 * Only the office is needed to go as far as 'under_review'; the reviewer gives the opinion.
 */
export async function advance(
  t: TestApp,
  actors: Omit<WorkflowActors, 'reviewer'> & { reviewer?: TestAgent },
  id: number,
  to: AdvanceTarget,
  options: AdvanceOptions = {},
): Promise<void> {
  const steps: AdvanceTarget[] = ['under_review', 'awaiting_decision', 'decided'];
  const version = async () => String((await loadProposal(t, id)).version);
  const expectDone = (res: { status: number; text: string }, step: string) => {
    if (res.status !== 303) throw new Error(`advance: ${step} failed with ${res.status}: ${res.text.slice(0, 400)}`);
  };
  for (const step of steps.slice(0, steps.indexOf(to) + 1)) {
    const current = (await loadProposal(t, id)).status;
    if (step === 'under_review' && current === 'submitted') {
      const dueOn = options.dueOn ?? addDays(t.clock.today(), 30);
      const routing = {
        version: await version(),
        leadDivisionId: String(actors.divisionId),
        ...(options.relatedDivisionIds ? { relatedDivisionIds: options.relatedDivisionIds.map(String) } : {}),
        dueOn,
        comment: options.routingComment ?? '',
      };
      expectDone(await postForm(actors.office, `/proposals/${id}/accept`, routing), 'accept');
    }
    if (step === 'awaiting_decision' && current !== 'awaiting_decision' && current !== 'decided') {
      if (!actors.reviewer) throw new Error('advance: a reviewer is needed to give the opinion');
      const opinion = {
        version: await version(),
        outcome: options.outcome ?? 'adopted',
        opinionText: options.opinionText ?? '所管課として実施可能と考えます。',
      };
      expectDone(await postForm(actors.reviewer, `/proposals/${id}/opinion`, opinion), 'opinion');
      const after = (await loadProposal(t, id)).status;
      if (after !== 'awaiting_decision') throw new Error(`advance: still ${after} after the lead division's opinion (other divisions routed?)`);
    }
    if (step === 'decided') {
      const decision = {
        version: await version(),
        decision: options.decision ?? 'adopted',
        reason: options.reason ?? '効果が見込める',
        answer: options.answer ?? '採用します。',
      };
      expectDone(await postForm(actors.office, `/proposals/${id}/decision`, { ...decision, confirm: 'on' }), 'decision');
    }
  }
}
