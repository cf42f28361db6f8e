import { LoginFailure } from '../auth/login-failure.entity';
import { SessionRecord } from '../auth/session-record.entity';
import { Category } from '../organization/category.entity';
import { Division } from '../organization/division.entity';
import { User } from '../users/user.entity';

export const entities = [Division, User, Category, SessionRecord, LoginFailure];
