import { Foundation1763770000000 } from './1763770000000-Foundation';
import { DefaultCategories1763770000001 } from './1763770000001-DefaultCategories';
import { Proposals1763770000002 } from './1763770000002-Proposals';

/** Every migration in order. Listed by class so the same list works from ts-jest and from dist/. */
export const migrations = [Foundation1763770000000, DefaultCategories1763770000001, Proposals1763770000002];
