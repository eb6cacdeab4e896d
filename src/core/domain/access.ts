import type { Catalog, ChatBinding, Person, Role } from './catalog.js';

/** Role ranks: each role includes everything the roles below it may do. */
const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function roleAtLeast(held: Role, needed: Role): boolean {
  return RANK[held] >= RANK[needed];
}

/**
 * Whether the person holds `role` on project/env. Fail closed: no matching grant means no.
 * With env undefined, a grant on any environment of the project is enough (e.g. to list the project).
 */
export function hasRole(person: Person, role: Role, project: string | undefined, env?: string): boolean {
  return person.roles.some(
    (g) =>
      roleAtLeast(g.role, role) &&
      (g.project === '*' || project === undefined || g.project === project) &&
      (g.env === '*' || env === undefined || g.env === env),
  );
}

/** Projects in which the person holds at least viewer somewhere. */
export function projectsOf(person: Person, catalog: Catalog): string[] {
  return catalog.projects.map((p) => p.name).filter((p) => hasRole(person, 'viewer', p));
}

/** The person whose account on `platform` is `accountId` (the platform says which account is whose). */
export function findPerson(catalog: Pick<Catalog, 'people'>, platform: string, accountId: string): Person | undefined {
  return catalog.people.find((p) => p.accounts[platform] === accountId);
}

export function findChat(catalog: Catalog, platform: string, chatId: string): ChatBinding | undefined {
  return catalog.chats.find((c) => c.platform === platform && c.chatId === chatId);
}
