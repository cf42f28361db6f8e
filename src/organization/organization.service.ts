import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { NotFoundError } from '../common/errors';
import { FormValidationException } from '../common/forms';
import { RecentCache } from '../common/recent-cache';
import { DbService } from '../database/db.service';
import { UsersRepository } from '../users/users.repository';
import { Category } from './category.entity';
import { canBeParentOf, DivisionLike, DivisionRow, flattenDivisionTree, isValidOn } from './division-tree';
import { Division, DIVISION_KIND_LABELS, DivisionKind } from './division.entity';
import { CategoryDto } from './dto/category.dto';
import { CreateDivisionDto, UpdateDivisionDto } from './dto/division.dto';
import { Clock } from '../common/clock';

/** How long another instance's (or the command line's) change to the divisions may go unseen in select boxes. */
const DIVISION_OPTIONS_TTL_MS = 30_000;

/** A 局・部 and its 課, for the routing picker. */
export interface RoutingDivisionGroup {
  label: string;
  divisions: { id: number; name: string; path: string; reviewers: number }[];
}

@Injectable()
export class OrganizationService {
  private readonly divisionOptions = new RecentCache<{ id: number; label: string }[]>(1, DIVISION_OPTIONS_TTL_MS);

  constructor(
    private readonly db: DbService,
    @InjectRepository(Division) private readonly divisions: Repository<Division>,
    @InjectRepository(Category) private readonly categories: Repository<Category>,
    private readonly users: UsersRepository,
    private readonly clock: Clock,
  ) {}

  // --- divisions ---

  /** The whole organization in tree order; ended divisions only when asked for. */
  async divisionTree(options: { includeEnded: boolean; on?: string }): Promise<DivisionRow<Division>[]> {
    const all = await this.divisions.find();
    const today = options.on ?? this.clock.today();
    return flattenDivisionTree(options.includeEnded ? all : all.filter((d) => isValidOn(d, today)));
  }

  /**
   * The same options for the proposal list's filter, which shows them with every view: reading and
   * ordering a city's few hundred divisions took longer than the rest of the page's queries. Kept for
   * DIVISION_OPTIONS_TTL_MS and cleared by every change made here; forms that record a division
   * (routing, user accounts) read them fresh.
   */
  divisionFilterOptions(): Promise<{ id: number; label: string }[]> {
    return this.divisionOptions.get(this.clock.today(), () => this.currentDivisionOptions());
  }

  /**
   * Divisions that exist today, for select boxes, labelled with their full path. Read as plain rows:
   * turning the divisions into entities cost more than the query.
   */
  async currentDivisionOptions(): Promise<{ id: number; label: string }[]> {
    return (await this.currentDivisionRows()).map((row) => ({ id: row.division.id, label: row.path }));
  }

  private async currentDivisionRows() {
    const raw = (await this.divisions.query(
      `SELECT id, code, name, kind, parent_id, CAST(valid_from AS VARCHAR(10)) AS valid_from, CAST(valid_to AS VARCHAR(10)) AS valid_to, sort_order FROM divisions`,
    )) as {
      id: number;
      code: string;
      name: string;
      kind: DivisionKind;
      parent_id: number | null;
      valid_from: string;
      valid_to: string | null;
      sort_order: number;
    }[];
    const today = this.clock.today();
    const current: DivisionLike[] = raw
      .map((d) => ({
        id: Number(d.id),
        code: d.code,
        name: d.name,
        kind: d.kind,
        parentId: d.parent_id === null ? null : Number(d.parent_id),
        validFrom: d.valid_from,
        validTo: d.valid_to,
        sortOrder: Number(d.sort_order),
      }))
      .filter((d) => isValidOn(d, today));
    return flattenDivisionTree(current);
  }

  /**
   * The 課 that take routings, grouped under their 局・部 for a picker that stays usable with hundreds
   * of them, each with its number of active reviewers (審査担当): a 課 without one would never answer.
   */
  async routingDivisionGroups(): Promise<RoutingDivisionGroup[]> {
    const [options, counts] = await Promise.all([this.currentDivisionRows(), this.users.countsByDivision('reviewer')]);
    const groups = new Map<string, RoutingDivisionGroup>();
    for (const row of options) {
      if (row.division.kind !== 'section') continue;
      const parent = row.path.slice(0, Math.max(0, row.path.length - row.division.name.length - 3)) || '（上位の組織なし）';
      const group = groups.get(parent) ?? groups.set(parent, { label: parent, divisions: [] }).get(parent)!;
      group.divisions.push({ id: row.division.id, name: row.division.name, path: row.path, reviewers: counts.get(row.division.id) ?? 0 });
    }
    return [...groups.values()];
  }

  async getDivision(id: number): Promise<Division> {
    const division = await this.divisions.findOne({ where: { id } });
    if (!division) throw new NotFoundError();
    return division;
  }

  async findCurrentDivisionByCode(code: string): Promise<Division | null> {
    const today = this.clock.today();
    const candidates = await this.divisions.find({ where: { code } });
    return candidates.find((d) => isValidOn(d, today)) ?? null;
  }

  async createDivision(dto: CreateDivisionDto): Promise<Division> {
    const created = await this.db.transaction(async (manager) => {
      const repo = manager.getRepository(Division);
      await this.checkParent(repo, dto.parentId, dto.kind, null);
      this.checkPeriod(dto.validFrom, dto.validTo);
      const sameCode = await repo.find({ where: { code: dto.code } });
      const overlapping = sameCode.find((d) => d.validTo === null || d.validTo >= dto.validFrom);
      if (overlapping) {
        throw FormValidationException.field('code', `コード「${dto.code}」は「${overlapping.name}」が使用中です。先にその組織の廃止日を設定してください。`);
      }
      return repo.save(
        repo.create({
          code: dto.code,
          name: dto.name,
          kind: dto.kind,
          parentId: dto.parentId,
          validFrom: dto.validFrom,
          validTo: dto.validTo,
          sortOrder: dto.sortOrder ?? 0,
        }),
      );
    });
    this.divisionOptions.clear();
    return created;
  }

  async updateDivision(id: number, dto: UpdateDivisionDto): Promise<Division> {
    const updated = await this.db.transaction(async (manager) => {
      const repo = manager.getRepository(Division);
      const division = await repo.findOne({ where: { id } });
      if (!division) throw new NotFoundError();
      await this.checkParent(repo, dto.parentId, division.kind, division.id);
      this.checkPeriod(division.validFrom, dto.validTo);
      if (dto.validTo !== null) {
        const children = await repo.find({ where: { parentId: id } });
        const activeChild = children.find((c) => c.validTo === null || c.validTo > dto.validTo!);
        if (activeChild) {
          throw FormValidationException.field('validTo', `下位組織「${activeChild.name}」が存続しているため廃止できません。先に下位組織を廃止してください。`);
        }
      }
      Object.assign(division, { name: dto.name, parentId: dto.parentId, validTo: dto.validTo, sortOrder: dto.sortOrder ?? 0 });
      return repo.save(division);
    });
    this.divisionOptions.clear();
    return updated;
  }

  private checkPeriod(validFrom: string, validTo: string | null): void {
    if (validTo !== null && validTo < validFrom) {
      throw FormValidationException.field('validTo', '廃止日は設置日以降の日付にしてください。');
    }
  }

  private async checkParent(repo: Repository<Division>, parentId: number | null, kind: Division['kind'], selfId: number | null) {
    if (parentId === null) return;
    const parent = await repo.findOne({ where: { id: parentId } });
    if (!parent || parent.id === selfId) throw FormValidationException.field('parentId', '上位組織を選び直してください。');
    if (!canBeParentOf(parent.kind, kind)) {
      throw FormValidationException.field(
        'parentId',
        `${DIVISION_KIND_LABELS[kind]}の上位には${DIVISION_KIND_LABELS[parent.kind]}は置けません（局・区 → 部 → 課 の順です）。`,
      );
    }
  }

  // --- categories ---

  listCategories(options: { activeOnly: boolean }): Promise<Category[]> {
    return this.categories.find({
      where: options.activeOnly ? { active: true } : {},
      order: { sortOrder: 'ASC', id: 'ASC' },
    });
  }

  async getCategory(id: number): Promise<Category> {
    const category = await this.categories.findOne({ where: { id } });
    if (!category) throw new NotFoundError();
    return category;
  }

  async createCategory(dto: CategoryDto): Promise<Category> {
    return this.db.transaction(async (manager) => {
      const repo = manager.getRepository(Category);
      await this.checkCategoryName(repo, dto.name, null);
      return repo.save(repo.create({ name: dto.name, sortOrder: dto.sortOrder ?? 0, active: dto.active === true }));
    });
  }

  async updateCategory(id: number, dto: CategoryDto): Promise<Category> {
    return this.db.transaction(async (manager) => {
      const repo = manager.getRepository(Category);
      const category = await repo.findOne({ where: { id } });
      if (!category) throw new NotFoundError();
      await this.checkCategoryName(repo, dto.name, id);
      Object.assign(category, { name: dto.name, sortOrder: dto.sortOrder ?? 0, active: dto.active === true });
      return repo.save(category);
    });
  }

  private async checkCategoryName(repo: Repository<Category>, name: string, selfId: number | null) {
    const same = await repo.findOne({ where: { name } });
    if (same && same.id !== selfId) throw FormValidationException.field('name', `「${name}」は既に登録されています。`);
  }
}
