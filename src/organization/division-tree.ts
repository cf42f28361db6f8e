import { DIVISION_KINDS, DivisionKind } from './division.entity';

export interface DivisionLike {
  id: number;
  code: string;
  name: string;
  kind: DivisionKind;
  parentId: number | null;
  validFrom: string;
  validTo: string | null;
  sortOrder: number;
}

export interface DivisionRow<T extends DivisionLike> {
  division: T;
  depth: number;
  /** "市民局 > 市民部 > 市民課" */
  path: string;
}

/** Whether a division exists on a Japan calendar date (YYYY-MM-DD); both ends inclusive. */
export const isValidOn = (division: Pick<DivisionLike, 'validFrom' | 'validTo'>, date: string): boolean =>
  division.validFrom <= date && (division.validTo === null || division.validTo >= date);

/** A parent must be of a higher level than its child: 局・区 → 部 → 課. */
export const canBeParentOf = (parent: DivisionKind, child: DivisionKind): boolean => DIVISION_KINDS.indexOf(parent) < DIVISION_KINDS.indexOf(child);

/**
 * The divisions in tree order (parents before children, siblings by sort order then code), each with
 * its depth and full path. A division whose parent is not in the list is shown as a root.
 */
export function flattenDivisionTree<T extends DivisionLike>(divisions: T[]): DivisionRow<T>[] {
  const byId = new Map(divisions.map((d) => [d.id, d]));
  const children = new Map<number | null, T[]>();
  for (const d of divisions) {
    const parentKey = d.parentId !== null && byId.has(d.parentId) ? d.parentId : null;
    (children.get(parentKey) ?? children.set(parentKey, []).get(parentKey)!).push(d);
  }
  const order = (a: T, b: T) => a.sortOrder - b.sortOrder || a.code.localeCompare(b.code);
  const rows: DivisionRow<T>[] = [];
  const visit = (parentKey: number | null, depth: number, prefix: string, seen: Set<number>) => {
    for (const d of (children.get(parentKey) ?? []).sort(order)) {
      if (seen.has(d.id)) continue; // a cycle in bad data must not hang the page
      const path = prefix ? `${prefix} > ${d.name}` : d.name;
      rows.push({ division: d, depth, path });
      visit(d.id, depth + 1, path, new Set([...seen, d.id]));
    }
  };
  visit(null, 0, '', new Set());
  // Divisions whose ancestors loop (only bad data can do that) are never reached from a root; list
  // them as roots so an administrator can see and repair them.
  const listed = new Set(rows.map((row) => row.division.id));
  for (const d of [...divisions].sort(order)) {
    if (listed.has(d.id)) continue;
    const before = rows.length;
    rows.push({ division: d, depth: 0, path: d.name });
    listed.add(d.id);
    visit(d.id, 1, d.name, new Set([d.id]));
    for (const row of rows.slice(before)) listed.add(row.division.id);
  }
  return rows;
}

/** A division and every division above it, from a map of each division's parent. */
export function lineage(divisionId: number | null, parents: ReadonlyMap<number, number | null>): number[] {
  const chain: number[] = [];
  for (let id = divisionId; id !== null && id !== undefined && !chain.includes(id); id = parents.get(id) ?? null) chain.push(id);
  return chain;
}
