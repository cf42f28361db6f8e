import { Injectable, Module } from '@nestjs/common';
import { EntityManager, SelectQueryBuilder } from 'typeorm';
import { DbService } from '../database/db.service';
import { Role } from './roles';
import { User } from './user.entity';

/**
 * The condition "holds this role" on the users alias `alias`. Roles are one column, "staff,reviewer"
 * (roles.ts), so the whole word is matched, never a part of another role.
 */
export function hasRoleWhere<T extends object>(query: SelectQueryBuilder<T>, alias: string, role: Role): SelectQueryBuilder<T> {
  return query.andWhere(`(',' || ${alias}.roles || ',') LIKE :hasRole`, { hasRole: `%,${role},%` });
}

/** Who holds a role: the recipients of tasks and reminders, and the routing picker's reviewer counts. */
@Injectable()
export class UsersRepository {
  constructor(private readonly db: DbService) {}

  /**
   * The active (not disabled) holders of a role, lowest id first; only those of these divisions when
   * given. With a manager, inside the caller's transaction.
   */
  async withRole(role: Role, options: { divisionIds?: readonly number[]; manager?: EntityManager } = {}): Promise<User[]> {
    if (options.divisionIds && !options.divisionIds.length) return [];
    const query = (options.manager ?? this.db.dataSource.manager).getRepository(User).createQueryBuilder('u').where('u.disabled = :no', { no: false });
    hasRoleWhere(query, 'u', role);
    if (options.divisionIds) query.andWhere('u.division_id IN (:...divisionIds)', { divisionIds: [...options.divisionIds] });
    return query.orderBy('u.id', 'ASC').getMany();
  }

  async idsWithRole(role: Role, options: { divisionIds?: readonly number[]; manager?: EntityManager } = {}): Promise<number[]> {
    return (await this.withRole(role, options)).map((u) => u.id);
  }

  /** The number of active holders of a role per division. */
  async countsByDivision(role: Role): Promise<Map<number, number>> {
    const query = this.db.dataSource
      .getRepository(User)
      .createQueryBuilder('u')
      .select('u.division_id', 'division_id')
      .addSelect('COUNT(*)', 'n')
      .where('u.disabled = :no AND u.division_id IS NOT NULL', { no: false });
    const rows = await hasRoleWhere(query, 'u', role).groupBy('u.division_id').getRawMany<{ division_id: number | string; n: number | string }>();
    return new Map(rows.map((r) => [Number(r.division_id), Number(r.n)]));
  }
}

/** UsersRepository on its own, for the modules that tell people (notifications, workflow) without the users' admin pages. */
@Module({ providers: [UsersRepository], exports: [UsersRepository] })
export class UsersStoreModule {}
