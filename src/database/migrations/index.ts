import { Foundation1763770000000 } from './1763770000000-Foundation';
import { DefaultCategories1763770000001 } from './1763770000001-DefaultCategories';

/** Every migration in order. Listed by class so the same list works from ts-jest and from dist/. */
export const migrations = [Foundation1763770000000, DefaultCategories1763770000001];
