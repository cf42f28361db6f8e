import { Fts5ProposalSearch } from '../../src/search/fts5-proposal-search';
import { ProposalSearch } from '../../src/search/proposal-search';
import { TrigramProposalSearch } from '../../src/search/trigram-proposal-search';
import { submitProposal } from '../factories/proposals';
import { createTestApp, TestApp } from '../factories/test-app';
import { createUser, seedDemo, signIn } from '../factories/users';

/** One search interface (search/proposal-search.ts), its engine chosen when SearchModule is set up. */
describe('the proposal search engine', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
    await seedDemo(t);
  });
  afterAll(() => t.close());

  it('is FTS5 on SQLite and pg_trgm on PostgreSQL, chosen once for the app', () => {
    const search = t.app.get(ProposalSearch);
    expect(search).toBeInstanceOf(t.config.database.type === 'sqlite' ? Fts5ProposalSearch : TrigramProposalSearch);
  });

  it('answers the list and the similar-proposal search through it', async () => {
    const staff = await signIn(t, (await createUser(t, { login: 'search-engine-staff', roles: ['staff'], divisionCode: '111' })).login);
    const id = await submitProposal(staff, { title: '庁舎の屋上緑化で夏の電気代を下げる', proposalText: '屋上に芝生を敷いて断熱する。' });
    const other = await submitProposal(staff, { title: '会議資料のペーパーレス化', proposalText: 'タブレットで資料を見る。' });
    const listed = (await staff.get('/proposals').query({ q: '屋上緑化' })).text;
    expect(listed).toContain(`/proposals/${id}"`);
    expect(listed).not.toContain(`/proposals/${other}"`);

    const similar = await staff.get('/proposals/similar').query({ q: '屋上緑化で電気代を下げる案' });
    expect(similar.text).toContain('庁舎の屋上緑化で夏の電気代を下げる');
    expect(similar.text).not.toContain('会議資料のペーパーレス化');
  });
});
