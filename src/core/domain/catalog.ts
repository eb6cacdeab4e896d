/**
 * The operational catalog: projects → environments → services, people and their roles, chats and
 * rotations. Built from the validated YAML config by src/bot/config.ts; the core only reads it.
 */
import type { GoldenSignalQueries, SloSpec } from './slo.js';

export type Role = 'viewer' | 'operator' | 'admin';

export interface ContainerSelector {
  /** Exact container name (without the leading slash). */
  name?: string;
  /** Every label must match (value `*`... not supported: exact values only). */
  labels?: Record<string, string>;
}

export interface ServiceSpec {
  name: string;
  project: string;
  env: string;
  /** Name of the Docker host (key of `hosts` in the config) the service runs on. */
  host: string;
  selector: ContainerSelector;
  /** Image repository without tag, e.g. `registry.example.com/shop/api` (used by deploys). */
  image?: string;
  /** HTTP probe after deploys and restarts: `{container}` in the URL is the container name. */
  probe?: { url: string; timeoutMs: number };
  /** Service level objectives measured through the metrics server (`slo`, burn-rate alerts). */
  slos?: SloSpec[];
  /** Golden-signal expressions shown by `status`. */
  signals?: GoldenSignalQueries;
}

export interface EnvironmentSpec {
  name: string;
  project: string;
  production: boolean;
  /** Four-eyes: actions need approval by a second person (default: production environments). */
  requireApproval: boolean;
  services: ServiceSpec[];
}

export interface ProjectSpec {
  name: string;
  description?: string;
  /** IANA time zone of the project's people (times typed in chat, calendar days); see projectTimeZone. */
  timezone?: string;
  /** Local time (`HH:MM`, in the project's time zone) releases go out: a promotion's "Schedule for tonight". */
  releaseWindow?: string;
  environments: EnvironmentSpec[];
}

export interface RoleGrant {
  role: Role;
  /** Project name or `*` for every project. */
  project: string;
  /** Environment name or `*` for every environment of the project. */
  env: string;
}

export interface Person {
  id: string;
  name: string;
  /** The person's account id on each chat platform, by platform id (a platform asks for its own). */
  accounts: Readonly<Record<string, string>>;
  roles: RoleGrant[];
}

export interface ChatBinding {
  /** Platform id of the chat. */
  platform: string;
  chatId: string;
  projects: string[];
}

export interface RotationSpec {
  project: string;
  /** IANA time zone, e.g. `Europe/Berlin`. */
  timezone: string;
  /** Local handoff time `HH:MM`. */
  handoff: string;
  period: 'daily' | 'weekly';
  /** For weekly rotations: ISO weekday of the handoff, 1 = Monday … 7 = Sunday. */
  handoffDay: number;
  /** Local date (YYYY-MM-DD) on which the first member's shift starts (at the handoff time). */
  start: string;
  /** Person ids in rotation order. */
  members: string[];
  /** Secondary on call in their own rotation order; absent: the member next in line after the primary. */
  secondaries?: string[];
}

export interface Catalog {
  projects: ProjectSpec[];
  people: Person[];
  chats: ChatBinding[];
  rotations: RotationSpec[];
  hosts: string[];
}

/** The service `project/env/service` of the catalog, if configured. */
export function findService(catalog: Pick<Catalog, 'projects'>, project: string, env: string, service: string): ServiceSpec | undefined {
  return catalog.projects.find((p) => p.name === project)?.environments.find((e) => e.name === env)?.services.find((s) => s.name === service);
}
