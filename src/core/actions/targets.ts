import type { Catalog, EnvironmentSpec, ProjectSpec, ServiceSpec } from '../domain/catalog.js';
import { hint, orList } from '../domain/suggest.js';
import { replies } from '../messages/reply-builder.js';
import { z } from 'zod';
import { defineIntent, type IntentServices, type Requirement, type Resolution, type ResolveContext } from '../intents/intent.js';
import type { Reply } from '../messages/reply.js';
import type { Argv } from '../messages/argv.js';
import { nameWord } from '../messages/words.js';

/** Resolves the words people type (`shop`, `prod`, `api`, `shop/api`) to catalog entries, with suggestions. */

export interface ProjectTarget {
  project: ProjectSpec;
  /** Environments addressed: one when named, all otherwise. */
  envs: EnvironmentSpec[];
  envNamed: boolean;
}

export interface ServiceTarget {
  service: ServiceSpec;
  env: EnvironmentSpec;
}

const notFound = (title: string, help: string): Resolution<never> => ({ ok: false, outcome: 'not_found', reply: replies.error(title, help) });
const invalid = (title: string, help: string): Resolution<never> => ({ ok: false, outcome: 'invalid', reply: replies.error(title, help) });

function visibleProjects(catalog: Catalog, chatProjects: string[]): ProjectSpec[] {
  return catalog.projects.filter((p) => chatProjects.includes(p.name));
}

/** `[project] [env]`: the project defaults to the only one this chat can address; `status prod` works too. */
export function resolveProject(
  catalog: Catalog,
  chatProjects: string[],
  projectWord: string | undefined,
  envWord: string | undefined,
  usage: string,
): Resolution<ProjectTarget> {
  const visible = visibleProjects(catalog, chatProjects);
  if (visible.length === 0) return notFound('You have no projects here.', 'Ask an admin to grant you a role on a project.');
  let project = projectWord ? visible.find((p) => p.name === projectWord) : undefined;
  if (projectWord && !project) {
    const only = visible.length === 1 ? visible[0]! : undefined;
    if (only && !envWord && only.environments.some((e) => e.name === projectWord)) {
      return resolveEnv(only, projectWord);
    }
    return notFound(`Unknown project "${projectWord}".`, hint('project', projectWord, visible.map((p) => p.name)));
  }
  if (!project) {
    if (visible.length > 1) {
      return invalid('Which project?', `${usage} — your projects here: ${visible.map((p) => p.name).join(', ')}.`);
    }
    project = visible[0]!;
  }
  return envWord ? resolveEnv(project, envWord) : { ok: true, args: { project, envs: project.environments, envNamed: false } };
}

function resolveEnv(project: ProjectSpec, envWord: string): Resolution<ProjectTarget> {
  const env = project.environments.find((e) => e.name === envWord);
  if (!env) {
    return notFound(`Project ${project.name} has no environment "${envWord}".`, hint('environment', envWord, project.environments.map((e) => e.name)));
  }
  return { ok: true, args: { project, envs: [env], envNamed: true } };
}

/** `<service> [env]` or `<project>/<service> [env]`, among the projects this chat can address. */
export function resolveService(
  catalog: Catalog,
  chatProjects: string[],
  serviceWord: string,
  envWord: string | undefined,
  usage: string,
): Resolution<ServiceTarget> {
  const visible = visibleProjects(catalog, chatProjects);
  const [projectPart, servicePart] = serviceWord.includes('/') ? serviceWord.split('/', 2) : [undefined, serviceWord];
  const projects = projectPart ? visible.filter((p) => p.name === projectPart) : visible;
  if (projectPart && projects.length === 0) {
    return notFound(`Unknown project "${projectPart}".`, hint('project', projectPart, visible.map((p) => p.name)));
  }
  const candidates: ServiceTarget[] = projects.flatMap((p) => p.environments.flatMap((env) => env.services.map((service) => ({ service, env }))));
  const named = candidates.filter((c) => c.service.name === servicePart);
  if (named.length === 0) {
    const names = [...new Set(candidates.map((c) => c.service.name))];
    return notFound(`Unknown service "${servicePart}".`, hint('service', servicePart ?? '', names));
  }
  const inEnv = envWord ? named.filter((c) => c.env.name === envWord) : named;
  if (inEnv.length === 0) {
    const envs = [...new Set(named.map((c) => c.env.name))];
    return notFound(`${servicePart} has no environment "${envWord}".`, hint('environment', envWord ?? '', envs));
  }
  const projectsHit = new Set(inEnv.map((c) => c.service.project));
  if (projectsHit.size > 1) {
    const options = [...projectsHit].map((p) => `${p}/${servicePart}`);
    return invalid(`"${servicePart}" exists in several projects.`, `Say which: ${orList(options)}. ${usage}`);
  }
  if (inEnv.length > 1) {
    const envs = inEnv.map((c) => c.env.name);
    return invalid(`${servicePart} runs in ${orList(envs)}: say which.`, `For example: ${usage.split(' ')[0]} ${servicePart} ${envs[0]}`);
  }
  return { ok: true, args: inEnv[0]! };
}

/** Of the environments a `[project] [env]` target addresses, the ones the person may see (viewer). */
export function viewerEnvs(t: ProjectTarget, can: (r: Requirement) => boolean): EnvironmentSpec[] {
  return t.envs.filter((e) => can({ role: 'viewer', project: t.project.name, env: e.name }));
}

/**
 * The `[project] [env]` arguments of read-only intents (status, deploys): schema, argv mapping,
 * resolution and the viewer requirement on what was named.
 */
export function projectEnvArguments(usage: string) {
  return {
    schema: z.object({ project: nameWord.optional(), env: nameWord.optional(), extra: z.undefined({ error: `too many arguments (${usage})` }) }),
    toInput: (a: Argv) => ({ project: a.positionals[0], env: a.positionals[1], extra: a.positionals[2] }),
    resolve: (input: { project?: string; env?: string }, { catalog, chatProjects }: ResolveContext) =>
      resolveProject(catalog, chatProjects, input.project, input.env, usage),
    requires: (t: ProjectTarget): Requirement => ({ role: 'viewer', project: t.project.name, env: t.envNamed ? t.envs[0]!.name : undefined }),
  };
}

/** A read-only `<name> [project] [env]` report (`slo`, `health`): what it is called and how it answers. */
export interface ProjectReport {
  name: string;
  summary: string;
  usage: string;
  answer(services: IntentServices, project: string, envs: EnvironmentSpec[]): Promise<Reply>;
}

/** The intent of such a report: viewer, the usual arguments, answered for the environments the person may see. */
export function projectReportIntent(report: ProjectReport) {
  return defineIntent({
    name: report.name,
    summary: report.summary,
    usage: report.usage,
    minRole: 'viewer',
    ...projectEnvArguments(report.usage),
    handle: (ctx) => report.answer(ctx.services, ctx.args.project.name, viewerEnvs(ctx.args, (r) => ctx.can(r))),
  });
}
