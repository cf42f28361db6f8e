import { canView, Viewer } from '../../src/proposals/proposal-access';
import { JudgingEntry, JudgingJudge, JudgingRound } from '../../src/judging/judging.entities';
import { ProposalCoproposer } from '../../src/proposals/proposal-coproposer.entity';
import { DECISIONS, Decision, PROPOSAL_STATUSES, ProposalStatus } from '../../src/proposals/proposal-state-machine';
import { ProposalRepository } from '../../src/proposals/proposal.repository';
import { Proposal } from '../../src/proposals/proposal.entity';
import { Routing } from '../../src/proposals/routing.entity';
import { Division } from '../../src/organization/division.entity';
import { User } from '../../src/users/user.entity';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, seedDemo } from '../factories/users';

/*
 * Issue 11: the visibility rule exists once as code (canView) and once as SQL (visibleWhere), side by
 * side in proposal-access.ts. This test holds them equal: every persona against proposals in every
 * status, every decision, with a division routed now, routed until it answered, or routed by mistake
 * and removed before it answered, with co-proposers who accepted and colleagues only invited.
 */
describe('the visibility rule: code and SQL agree for every persona (issue 11)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
  });
  afterAll(() => t.close());

  it('canView and the list query give the same answer for every persona and proposal', async () => {
    const division = async (code: string) => (await t.dataSource.getRepository(Division).findOneByOrFail({ code })).id;
    const [routedNow, answered, removed] = [await division('211'), await division('311'), await division('212')];
    const make = (login: string, roles: User['roles'], divisionCode: string) => createUser(t, { login, roles, divisionCode });
    const proposer = await make('vr-proposer', ['staff'], '411');
    const coproposer = await make('vr-coproposer', ['staff'], '411');
    const invited = await make('vr-invited', ['staff'], '411');
    const personas: Record<string, Viewer> = {
      proposer,
      coproposer,
      invited,
      'other staff': await make('vr-staff', ['staff'], '411'),
      'reviewer, routed now': await make('vr-rev-now', ['staff', 'reviewer'], '211'),
      'reviewer, answered then ended': await make('vr-rev-answered', ['staff', 'reviewer'], '311'),
      'reviewer, removed before answering': await make('vr-rev-removed', ['staff', 'reviewer'], '212'),
      'reviewer, not routed': await make('vr-rev-other', ['staff', 'reviewer'], '412'),
      'staff of a routed division (no reviewer role)': await make('vr-staff-routed', ['staff'], '211'),
      office: await make('vr-office', ['staff', 'office'], '121'),
      admin: await make('vr-admin', ['staff', 'admin'], '122'),
    };
    // 審査: a judge of an unfinished blind round does not see its entries as adopted cases (issue 12)
    const judges = {
      'judge of an open blind round': await make('vr-judge-blind', ['judge'], '411'),
      'staff and judge of a blind round in preparation': await make('vr-judge-prep', ['staff', 'judge'], '411'),
      'judge of a closed blind round': await make('vr-judge-closed', ['judge'], '411'),
      'judge of an open round, not blind': await make('vr-judge-open', ['judge'], '411'),
    };
    Object.assign(personas, judges);
    const noDivision = await make('vr-rev-nodiv', ['staff', 'reviewer'], '411');
    await t.dataSource.getRepository(User).update(noDivision.id, { divisionId: null });
    personas['reviewer without a division'] = { ...noDivision, divisionId: null };

    // every status, and for decided every decision; each with and without routings and colleagues
    const shapes: { status: ProposalStatus; decision: Decision | null }[] = PROPOSAL_STATUSES.flatMap<{ status: ProposalStatus; decision: Decision | null }>(
      (status) =>
        status === 'decided'
          ? DECISIONS.filter((d) => d !== 'continued').map((decision) => ({ status, decision }))
          : [{ status, decision: status === 'continued' ? 'continued' : null }],
    );
    const ids: number[] = [];
    for (const shape of shapes) {
      for (const withOthers of [false, true]) {
        const inserted = await t.dataSource.getRepository(Proposal).insert({
          title: `可視性 ${shape.status} ${shape.decision ?? ''} ${withOthers}`,
          currentProblem: '現状',
          proposalText: '提案',
          expectedEffect: '効果',
          status: shape.status,
          decision: shape.decision,
          version: 1,
          proposerId: proposer.id,
        });
        const id = inserted.identifiers[0].id as number;
        ids.push(id);
        if (!withOthers) continue;
        await t.dataSource.getRepository(ProposalCoproposer).insert([
          { proposalId: id, userId: coproposer.id, status: 'accepted' },
          { proposalId: id, userId: invited.id, status: 'invited' },
        ]);
        await t.dataSource.getRepository(Routing).insert([
          { proposalId: id, divisionId: routedNow, dueOn: '2026-12-31', active: true, isLead: true },
          { proposalId: id, divisionId: answered, dueOn: '2026-12-31', active: false, opinionAt: new Date(), opinionText: '意見', opinionOutcome: 'adopted' },
          { proposalId: id, divisionId: removed, dueOn: '2026-12-31', active: false },
        ]);
      }
    }
    expect(ids).toHaveLength(shapes.length * 2);
    const rounds: [keyof typeof judges, boolean, JudgingRound['status']][] = [
      ['judge of an open blind round', true, 'open'],
      ['staff and judge of a blind round in preparation', true, 'preparing'],
      ['judge of a closed blind round', true, 'closed'],
      ['judge of an open round, not blind', false, 'open'],
    ];
    for (const [persona, blind, status] of rounds) {
      const round = await t.dataSource
        .getRepository(JudgingRound)
        .insert({ fiscalYear: 2026, name: persona, blind, status, opensOn: '2026-12-01', closesOn: '2026-12-31' });
      const roundId = round.identifiers[0].id as number;
      // every other proposal, so that the same judge sees some adopted cases and not others
      await t.dataSource
        .getRepository(JudgingEntry)
        .insert(ids.filter((_, i) => i % 2 === 0).map((proposalId, position) => ({ roundId, proposalId, position })));
      await t.dataSource.getRepository(JudgingJudge).insert({ roundId, userId: judges[persona].id });
    }

    const repository = t.app.get(ProposalRepository);
    const proposals = await t.dataSource.getRepository(Proposal).findBy({});
    const mine = proposals.filter((p) => ids.includes(p.id));
    const disagreements: string[] = [];
    let seen = 0;
    for (const [name, viewer] of Object.entries(personas)) {
      const bySql = new Set(
        (await repository.visibleQuery(viewer).andWhere('p.id IN (:...ids)', { ids }).select('p.id', 'id').getRawMany<{ id: number | string }>()).map((r) =>
          Number(r.id),
        ),
      );
      for (const p of mine) {
        const byCode = canView(viewer, await repository.facts(t.dataSource.manager, p));
        if (byCode) seen++;
        if (byCode !== bySql.has(p.id)) disagreements.push(`${name} / ${p.title}: code ${byCode}, SQL ${bySql.has(p.id)}`);
      }
    }
    expect(disagreements).toEqual([]);
    const visibleTo = async (viewer: Viewer) => {
      let n = 0;
      for (const p of mine) if (canView(viewer, await repository.facts(t.dataSource.manager, p))) n++;
      return n;
    };
    // the blind rounds' judges lose exactly the entered adopted cases; the others see what any colleague sees
    const colleague = await visibleTo(personas['other staff']);
    expect(await visibleTo(judges['judge of an open blind round'])).toBeLessThan(colleague);
    expect(await visibleTo(judges['staff and judge of a blind round in preparation'])).toBeLessThan(colleague);
    expect(await visibleTo(judges['judge of a closed blind round'])).toBe(colleague);
    expect(await visibleTo(judges['judge of an open round, not blind'])).toBe(colleague);
    // the matrix is not trivially all-no or all-yes
    expect(seen).toBeGreaterThan(Object.keys(personas).length);
    expect(seen).toBeLessThan(Object.keys(personas).length * mine.length);
  });
});
