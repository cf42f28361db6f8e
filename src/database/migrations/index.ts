import { Foundation1763770000000 } from './1763770000000-Foundation';
import { DefaultCategories1763770000001 } from './1763770000001-DefaultCategories';
import { Proposals1763770000002 } from './1763770000002-Proposals';
import { ProposalSearch1763770000003 } from './1763770000003-ProposalSearch';
import { FiscalYearStats1763770000004 } from './1763770000004-FiscalYearStats';
import { ProposalListIndex1763770000005 } from './1763770000005-ProposalListIndex';
import { NotificationTasks1764910000000 } from './1764910000000-NotificationTasks';
import { ListSortIndexes1764920000000 } from './1764920000000-ListSortIndexes';
import { LoginDeviceTokens1764930000000 } from './1764930000000-LoginDeviceTokens';
import { LedgerImportReports1764940000000 } from './1764940000000-LedgerImportReports';
import { CoproposerConsent1764940000001 } from './1764940000001-CoproposerConsent';
import { SearchIndexMerging1765100000000 } from './1765100000000-SearchIndexMerging';
import { SimilarRankings1765100000001 } from './1765100000001-SimilarRankings';
import { NotificationListIndex1765100000002 } from './1765100000002-NotificationListIndex';
import { JudgingAndAwards1765200000000 } from './1765200000000-JudgingAndAwards';
import { CallsKaizenParticipation1765300000000 } from './1765300000000-CallsKaizenParticipation';

/** Every migration in order. Listed by class so the same list works from ts-jest and from dist/. */
export const migrations = [
  Foundation1763770000000,
  DefaultCategories1763770000001,
  Proposals1763770000002,
  ProposalSearch1763770000003,
  FiscalYearStats1763770000004,
  ProposalListIndex1763770000005,
  NotificationTasks1764910000000,
  ListSortIndexes1764920000000,
  LoginDeviceTokens1764930000000,
  LedgerImportReports1764940000000,
  CoproposerConsent1764940000001,
  SearchIndexMerging1765100000000,
  SimilarRankings1765100000001,
  NotificationListIndex1765100000002,
  JudgingAndAwards1765200000000,
  CallsKaizenParticipation1765300000000,
];
