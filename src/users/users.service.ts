import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, Repository } from 'typeorm';
import { DatabaseSessionStore } from '../auth/session-store';
import { generateTemporaryPassword, hashPassword, normalizeLogin, passwordProblem } from '../auth/password';
import { NotFoundError } from '../common/errors';
import { FormValidationException } from '../common/forms';
import { DbService } from '../database/db.service';
import { Division } from '../organization/division.entity';
import { CreateUserDto, UpdateUserDto } from './dto/user.dto';
import { Role } from './roles';
import { User } from './user.entity';
import { hasRoleWhere } from './users.repository';

export interface UserSearch {
  q?: string;
  role?: Role;
  includeDisabled?: boolean;
  page: number;
}

export const USERS_PAGE_SIZE = 50;

@Injectable()
export class UsersService {
  constructor(
    private readonly db: DbService,
    private readonly sessions: DatabaseSessionStore,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {}

  /** The user behind a session, or null when the account is gone or disabled. */
  /** Runs before every signed-in request: one query (findOne with a relation makes TypeORM run two). */
  async findActiveById(id: number): Promise<User | null> {
    const user = await this.users.createQueryBuilder('u').leftJoinAndSelect('u.division', 'division').where('u.id = :id', { id }).getOne();
    return user && !user.disabled ? user : null;
  }

  async get(id: number): Promise<User> {
    const user = await this.users.findOne({ where: { id }, relations: { division: true } });
    if (!user) throw new NotFoundError();
    return user;
  }

  /** For login: includes the password hash, which is otherwise never loaded. */
  findByLoginWithHash(login: string): Promise<User | null> {
    return this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.login = :login', { login: normalizeLogin(login) })
      .getOne();
  }

  async search(criteria: UserSearch): Promise<{ users: User[]; total: number; page: number }> {
    const query = this.users.createQueryBuilder('u').leftJoinAndSelect('u.division', 'd');
    if (!criteria.includeDisabled) query.andWhere('u.disabled = :disabled', { disabled: false });
    if (criteria.role) {
      hasRoleWhere(query, 'u', criteria.role);
    }
    if (criteria.q) {
      const like = `%${criteria.q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
      query.andWhere(
        new Brackets((w) => w.where("u.name LIKE :like ESCAPE '\\'", { like }).orWhere("u.login LIKE :like ESCAPE '\\'", { like: like.toLowerCase() })),
      );
    }
    // counted first (a few thousand accounts), so a page past the last one shows the last page
    // instead of reading to a far offset
    const total = await query.clone().getCount();
    const page = Math.min(criteria.page, Math.max(1, Math.ceil(total / USERS_PAGE_SIZE)));
    const users = await query
      .orderBy('u.login', 'ASC')
      .skip((page - 1) * USERS_PAGE_SIZE)
      .take(USERS_PAGE_SIZE)
      .getMany();
    return { users, total, page };
  }

  /** Creates an account with a temporary password that must be changed at first login. */
  async create(dto: CreateUserDto): Promise<{ user: User; temporaryPassword: string }> {
    const temporaryPassword = generateTemporaryPassword();
    const user = await this.createWithPassword(dto, temporaryPassword, true);
    return { user, temporaryPassword };
  }

  /** Used by the command line and the demo seed, where the password is chosen by the operator. */
  async createWithPassword(dto: CreateUserDto, password: string, mustChange: boolean): Promise<User> {
    const problem = passwordProblem(password, dto.login);
    if (problem) throw FormValidationException.field('password', problem);
    const passwordHash = await hashPassword(password);
    return this.db.transaction(async (manager) => {
      const repo = manager.getRepository(User);
      if (await repo.exist({ where: { login: dto.login } })) {
        throw FormValidationException.field('login', `ログインID「${dto.login}」は既に使われています。`);
      }
      await this.checkDivision(manager.getRepository(Division), dto.divisionId);
      const saved = await repo.save(
        repo.create({
          login: dto.login,
          name: dto.name,
          email: dto.email,
          roles: dto.roles,
          divisionId: dto.divisionId,
          passwordHash,
          mustChangePassword: mustChange,
        }),
      );
      return repo.findOneOrFail({ where: { id: saved.id } });
    });
  }

  async update(id: number, dto: UpdateUserDto): Promise<User> {
    return this.db.transaction(async (manager) => {
      const repo = manager.getRepository(User);
      const user = await repo.findOne({ where: { id } });
      if (!user) throw new NotFoundError();
      await this.checkDivision(manager.getRepository(Division), dto.divisionId);
      await repo.update(id, { name: dto.name, email: dto.email, roles: dto.roles, divisionId: dto.divisionId, updatedAt: new Date() });
      return repo.findOneOrFail({ where: { id } });
    });
  }

  /** Disabling ends every session of the account at once. Admins cannot lock themselves out. */
  async setDisabled(id: number, disabled: boolean, actor: User): Promise<User> {
    if (disabled && id === actor.id) throw FormValidationException.field('_form', '自分自身のアカウントは無効にできません。');
    const user = await this.get(id);
    await this.db.write((manager) =>
      manager
        .getRepository(User)
        .update(id, { disabled, updatedAt: new Date(), disabledAt: disabled ? new Date() : null, ...(disabled ? { sessionsRevokedAt: new Date() } : {}) }),
    );
    if (disabled) await this.sessions.destroyUserSessions(id);
    return { ...user, disabled } as User;
  }

  /** Replaces the password with a temporary one and signs the user out everywhere. */
  async resetPassword(id: number): Promise<{ user: User; temporaryPassword: string }> {
    const user = await this.get(id);
    const temporaryPassword = generateTemporaryPassword();
    const passwordHash = await hashPassword(temporaryPassword);
    await this.db.write((manager) =>
      manager.getRepository(User).update(id, { passwordHash, mustChangePassword: true, updatedAt: new Date(), sessionsRevokedAt: new Date() }),
    );
    await this.sessions.destroyUserSessions(id);
    return { user, temporaryPassword };
  }

  /**
   * The user's own change: other sessions end, the current one continues. Returns the revocation
   * instant, which the caller's session must be marked as verified after.
   */
  async changePassword(user: User, newPassword: string, currentSid: string): Promise<Date> {
    const passwordHash = await hashPassword(newPassword);
    const revokedAt = new Date();
    await this.db.write((manager) =>
      manager.getRepository(User).update(user.id, { passwordHash, mustChangePassword: false, updatedAt: revokedAt, sessionsRevokedAt: revokedAt }),
    );
    await this.sessions.destroyUserSessions(user.id, currentSid);
    return revokedAt;
  }

  async recordLogin(id: number): Promise<void> {
    await this.db.write((manager) => manager.getRepository(User).update(id, { lastLoginAt: new Date() }));
  }

  count(): Promise<number> {
    return this.users.count();
  }

  private async checkDivision(repo: Repository<Division>, divisionId: number | null): Promise<void> {
    if (divisionId === null) return;
    if (!(await repo.exist({ where: { id: divisionId } }))) {
      throw FormValidationException.field('divisionId', '所属を選び直してください。');
    }
  }
}
