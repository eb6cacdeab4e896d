import type Docker from 'dockerode';
import type { ContainerSelector } from '../../core/domain/catalog.js';
import type { ContainerSummary } from './container-info.mapper.js';

/** One `filters` argument of `GET /containers/json`: filter name → values (labels ANDed, names ORed). */
export type ListFilter = Record<'name' | 'label', string[]>;

/**
 * The engine-side filters that list every container the selectors can match, and as little else as the
 * engine's filter language allows: one list per selector shape, never one of the whole host.
 *
 * - Named selectors share one list: the engine ORs `name` values (each an anchored pattern, as both Docker
 *   and Podman match names by regular expression); their labels are checked afterwards.
 * - Label selectors are grouped by their set of label keys. The engine ANDs `label` values, so a group is
 *   listed with the pairs its selectors share (`key=value`) plus the keys whose values differ (`key`,
 *   which the engine reads as "has the label"). A group sharing no pair at all is listed one selector at a
 *   time instead, so it never lists every container that merely carries a common key.
 *
 * Selectors with neither a name nor labels select nothing and add no list. The result is a superset of
 * what the selectors match; `matchesSelector` decides.
 */
export function listFilters(selectors: readonly ContainerSelector[]): ListFilter[] {
  const filters: ListFilter[] = [];
  const names = unique(selectors.flatMap((s) => (s.name === undefined ? [] : [`^/?${escapeRegExp(s.name)}$`])));
  if (names.length > 0) filters.push({ name: names, label: [] });
  const byShape = new Map<string, Record<string, string>[]>();
  for (const s of selectors) {
    const labels = s.labels ?? {};
    if (s.name !== undefined || Object.keys(labels).length === 0) continue;
    const shape = Object.keys(labels).sort().join('\n');
    byShape.set(shape, [...(byShape.get(shape) ?? []), labels]);
  }
  for (const group of byShape.values()) filters.push(...shapeFilters(group));
  return filters;
}

function shapeFilters(group: Record<string, string>[]): ListFilter[] {
  const first = group[0] ?? {};
  const keys = Object.keys(first).sort();
  const shared = keys.filter((key) => group.every((labels) => labels[key] === first[key]));
  if (shared.length === 0) {
    const distinct = unique(group.map((labels) => JSON.stringify(keys.map((key) => `${key}=${labels[key]}`))));
    return distinct.map((pairs) => ({ name: [], label: JSON.parse(pairs) as string[] }));
  }
  const differing = keys.filter((key) => !shared.includes(key));
  return [{ name: [], label: [...shared.map((key) => `${key}=${first[key]}`), ...differing] }];
}

/** Every container the filters list (all states), each once, the lists asked in parallel. */
export async function listSelected(docker: Docker, selectors: readonly ContainerSelector[], signal: AbortSignal): Promise<ContainerSummary[]> {
  const lists = await Promise.all(
    listFilters(selectors).map(async (filter) => {
      const filters: Record<string, string[]> = {};
      if (filter.name.length > 0) filters.name = filter.name;
      if (filter.label.length > 0) filters.label = filter.label;
      const options: Docker.ContainerListOptions = { all: true, abortSignal: signal, filters: JSON.stringify(filters) };
      return (await docker.listContainers(options)) as ContainerSummary[];
    }),
  );
  const byId = new Map<string, ContainerSummary>();
  for (const c of lists.flat()) byId.set(c.Id, c);
  return [...byId.values()];
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
