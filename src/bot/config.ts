import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import type { Catalog, Person, ProjectSpec, RotationSpec } from '../core/domain/catalog.js';
import type { IncidentSettings } from '../core/incidents/incident-settings.js';
import type { Limits } from '../core/services.js';
import type { RecurringFreeze } from '../core/domain/freeze.js';
import type { ActionSettings } from '../core/actions/action-deps.js';
import type { ReportSchedule } from '../core/reports/scheduled-report.js';
import { configSchema, type HostConfig, type RawConfig } from './config.schema.js';
import { WORKBOOK_BURN_RULES, type BurnRule, type SloSpec } from '../core/domain/slo.js';
import { chatBindingPlatforms, chatPlatforms } from '../adapters/platforms.js';
import type { FaqCatalog } from '../core/faq/faq-catalog.js';
import { FaqFileError, loadFaqFile } from './faq-file.js';
import { priceFor, type CostSettings } from '../core/cost/prices.js';


/** GitHub repository → GitHub environment → Deckhand service, and deploy workflows. */
export type GitHubMapping = NonNullable<RawConfig['github']>;

/** One iCalendar freeze feed of a project. */
export interface FreezeFeedSpec {
  project: string;
  /** Environments its events freeze; empty = all. */
  envs: string[];
  source: { kind: 'url'; url: string } | { kind: 'file'; path: string };
  refreshMs: number;
  timeoutMs: number;
}

export interface DeckhandConfig {
  catalog: Catalog;
  limits: Limits;
  /** How actions run, and how long a confirm button stays valid. */
  actions: ActionSettings & { confirmTtlMs: number };
  recurringFreezes: RecurringFreeze[];
  /** The projects' iCalendar freeze feeds (file paths resolved against the config file). */
  freezeFeeds: FreezeFeedSpec[];
  /** `promote`: how long the source must have run a version (soak time) before it is promoted without --force. */
  promotion: { soakMs: number };
  github: GitHubMapping | undefined;
  alertmanager: { projectLabel: string; url: string | undefined };
  /** Incident handling settings (labels, silence length, escalation, deploy linking). */
  incidents: IncidentSettings;
  reports: ReportSchedule[];
  hosts: Record<string, HostConfig>;
  /** The FAQ read from `faq.file` at start; undefined when none is named. */
  faq: FaqCatalog | undefined;
  /** Prices and the cost sampler's settings. */
  cost: CostSettings;
  /** The metrics server of SLOs and golden signals; undefined when not configured. */
  prometheus: PrometheusSettings | undefined;
}

export interface PrometheusSettings {
  url: string;
  timeoutMs: number;
  statusTimeoutMs: number;
  evaluateEveryMs: number;
  burnRules: BurnRule[];
}

/** A config that cannot be used. `problems` each name the place in the file and what was expected. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Invalid config ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Path = (string | number)[];

export function loadConfigFile(file: string): DeckhandConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  return parseConfig(text, file);
}

/**
 * A person's accounts by platform id: the person field each platform names (`telegram: 42`), or the person
 * id for a platform without one (the shell acts as a configured person).
 */
function accountsOf(person: { id: string } & Record<string, unknown>): Record<string, string> {
  const accounts: Record<string, string> = {};
  for (const platform of chatPlatforms) {
    const account = 'personField' in platform ? person[platform.personField] : person.id;
    if (account === undefined) continue;
    // A platform's person schema must parse to text (`.transform(String)`); anything else is its bug, not the config's.
    if (typeof account !== 'string') throw new TypeError(`the ${platform.id} person field must parse to a string, got ${typeof account}`);
    accounts[platform.id] = account;
  }
  return accounts;
}

export function parseConfig(text: string, file = 'config.yaml'): DeckhandConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(file, doc.errors.map((e) => `line ${lines.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`));
  }
  const where = (path: Path) => locate(doc, lines, path);
  const parsed = configSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) throw new ConfigError(file, formatIssues(parsed.error, where));
  const problems = crossCheck(parsed.data).map(([path, msg]) => `${where(path)}${path.join('.')}: ${msg}`);
  if (problems.length > 0) throw new ConfigError(file, problems);
  return { ...build(parsed.data), faq: faqOf(parsed.data, file, where), freezeFeeds: freezeFeedsOf(parsed.data, file) };
}

/** Each project's freeze feeds; a file is relative to the config file (read later, by the feed refresher). */
function freezeFeedsOf(c: RawConfig, file: string): FreezeFeedSpec[] {
  return Object.entries(c.projects).flatMap(([project, p]) =>
    p.freezeFeeds.map((f) => ({
      project,
      envs: f.envs,
      source: f.url !== undefined ? { kind: 'url' as const, url: f.url } : { kind: 'file' as const, path: resolve(dirname(file), f.file!) },
      refreshMs: f.refresh,
      timeoutMs: f.timeout,
    })),
  );
}

/** The FAQ file, relative to the config file; its problems are the config's (named by their line there). */
function faqOf(c: RawConfig, file: string, where: (p: Path) => string): FaqCatalog | undefined {
  if (!c.faq) return undefined;
  const path = resolve(dirname(file), c.faq.file);
  try {
    return loadFaqFile(path);
  } catch (err) {
    if (!(err instanceof FaqFileError)) throw err;
    throw new ConfigError(file, err.problems.map((p) => `${where(['faq', 'file'])}faq.file ${c.faq!.file}: ${p}`));
  }
}

function formatIssues(error: z.ZodError, where: (p: Path) => string): string[] {
  return error.issues.map((i) => {
    const path = i.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    const expected =
      i.code === 'unrecognized_keys' ? `unknown key(s) ${i.keys.join(', ')}` : /^(invalid|expected)/i.test(i.message) ? i.message : `expected ${i.message}`;
    return `${where(path)}${path.join('.') || '(top level)'}: ${expected}`;
  });
}

/** "line 12: " for the deepest node of the path that exists in the document. */
function locate(doc: Document, lines: LineCounter, path: Path): string {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && (isMap(node) || isSeq(node) || node.range)) {
      const offset = node.range?.[0];
      if (offset !== undefined) return `line ${lines.linePos(offset).line}: `;
    }
  }
  return '';
}

function crossCheck(c: RawConfig): [Path, string][] {
  const out: [Path, string][] = [];
  const hosts = Object.keys(c.hosts);
  const projects = Object.keys(c.projects);
  for (const [p, project] of Object.entries(c.projects)) {
    for (const [e, env] of Object.entries(project.environments)) {
      for (const [s, svc] of Object.entries(env.services)) {
        const host = targetOf(svc);
        const field = svc.target !== undefined ? 'target' : 'host';
        if (!hosts.includes(host)) out.push([['projects', p, 'environments', e, 'services', s, field], `unknown host "${host}" (hosts: ${hosts.join(', ')})`]);
      }
    }
  }
  for (const [p, project] of Object.entries(c.projects)) {
    project.freezes.forEach((f, i) =>
      f.envs.forEach((e, j) => {
        if (!project.environments[e]) out.push([['projects', p, 'freezes', i, 'envs', j], `project ${p} has no environment "${e}"`]);
      }),
    );
    project.freezeFeeds.forEach((f, i) =>
      f.envs.forEach((e, j) => {
        if (!project.environments[e]) out.push([['projects', p, 'freezeFeeds', i, 'envs', j], `project ${p} has no environment "${e}"`]);
      }),
    );
  }
  for (const [repo, r] of Object.entries(c.github?.repos ?? {})) {
    for (const [ghEnv, t] of Object.entries(r.environments)) {
      const svc = c.projects[t.project]?.environments[t.env]?.services[t.service];
      if (!svc) out.push([['github', 'repos', repo, 'environments', ghEnv], `no service ${t.service} in ${t.project}/${t.env}`]);
    }
    for (const [path, ghEnv] of Object.entries(r.deployWorkflows)) {
      if (!r.environments[ghEnv]) out.push([['github', 'repos', repo, 'deployWorkflows', path], `environment "${ghEnv}" is not mapped under environments`]);
    }
  }
  const bugRepos = Object.entries(c.github?.repos ?? {}).filter(([, r]) => r.bugs !== undefined);
  for (const [repo, r] of bugRepos) {
    if (!c.projects[r.bugs!]) out.push([['github', 'repos', repo, 'bugs'], `unknown project "${r.bugs}" (projects: ${projects.join(', ')})`]);
    const first = bugRepos.find(([, o]) => o.bugs === r.bugs)![0];
    if (first !== repo) out.push([['github', 'repos', repo, 'bugs'], `project ${r.bugs} already files its bug reports in ${first}`]);
  }
  c.reports.forEach((r, i) => {
    if (!c.projects[r.project]) out.push([['reports', i, 'project'], `unknown project "${r.project}"`]);
    if (!chatBindingPlatforms.includes(r.platform)) out.push([['reports', i, 'platform'], `reports go to ${chatBindingPlatforms.join(' or ')} chats`]);
    if (c.reports.findIndex((x) => x.id === r.id) !== i) out.push([['reports', i, 'id'], `id ${r.id} is used twice`]);
  });
  const ids = c.people.map((p) => p.id);
  const dup = (values: (string | undefined)[]) => values.filter((v, i) => v !== undefined && values.indexOf(v) !== i);
  const accountFields = chatPlatforms.flatMap((p) => ('personField' in p ? [p.personField] : []));
  const fieldValues = (field: string) => c.people.map((p) => (p as Record<string, unknown>)[field] as string | undefined);
  for (const [kind, values] of [['id', ids] as const, ...accountFields.map((f) => [f, fieldValues(f)] as const)]) {
    for (const d of dup([...values])) out.push([['people'], `${kind} ${d} appears on more than one person`]);
  }
  c.people.forEach((person, i) =>
    person.roles.forEach((g, j) => {
      const project = c.projects[g.project];
      if (g.project !== '*' && !project) out.push([['people', i, 'roles', j, 'project'], `unknown project "${g.project}" (projects: ${projects.join(', ')} or *)`]);
      else if (g.env !== '*' && project && !project.environments[g.env]) out.push([['people', i, 'roles', j, 'env'], `project ${g.project} has no environment "${g.env}"`]);
      else if (g.env !== '*' && g.project === '*') out.push([['people', i, 'roles', j, 'env'], 'an environment needs a named project (not *)']);
    }),
  );
  c.chats.forEach((chat, i) =>
    chat.projects.forEach((p, j) => {
      if (!c.projects[p]) out.push([['chats', i, 'projects', j], `unknown project "${p}"`]);
    }),
  );
  c.rotations.forEach((r, i) => {
    if (!c.projects[r.project]) out.push([['rotations', i, 'project'], `unknown project "${r.project}"`]);
    r.members.forEach((m, j) => {
      if (!ids.includes(m)) out.push([['rotations', i, 'members', j], `unknown person "${m}" (people: ${ids.join(', ')})`]);
    });
    r.secondaries?.forEach((m, j) => {
      if (!ids.includes(m)) out.push([['rotations', i, 'secondaries', j], `unknown person "${m}" (people: ${ids.join(', ')})`]);
    });
  });
  const costs = costSettingsOf(c);
  for (const [p, project] of Object.entries(c.projects)) {
    const hostsOf = Object.values(project.environments).flatMap((e) => Object.values(e.services).map(targetOf));
    const currencies = new Set(hostsOf.map((h) => priceFor(costs, p, h)?.currency).filter((x) => x !== undefined));
    if (currencies.size > 1) out.push([['projects', p], `its services are priced in ${[...currencies].join(' and ')}: one currency per project (set projects.${p}.cost)`]);
  }
  for (const [p, project] of Object.entries(c.projects)) {
    for (const [e, env] of Object.entries(project.environments)) {
      for (const [s, svc] of Object.entries(env.services)) {
        const at: Path = ['projects', p, 'environments', e, 'services', s];
        if (!c.prometheus && svc.slos?.length) out.push([[...at, 'slos'], 'SLOs are read from Prometheus: set prometheus.url']);
        if (!c.prometheus && svc.signals) out.push([[...at, 'signals'], 'golden signals are read from Prometheus: set prometheus.url']);
        svc.slos?.forEach((slo, i) => {
          if (svc.slos!.findIndex((x) => x.name === slo.name) !== i) out.push([[...at, 'slos', i, 'name'], `SLO ${slo.name} is declared twice`]);
        });
      }
    }
  }
  if (c.limits.logs.defaultLines > c.limits.logs.maxLines) out.push([['limits', 'logs', 'defaultLines'], 'must not exceed maxLines']);
  return out;
}

function build(c: RawConfig): Omit<DeckhandConfig, 'faq' | 'freezeFeeds'> {
  const projects: ProjectSpec[] = Object.entries(c.projects).map(([pName, p]) => ({
    name: pName,
    description: p.description,
    ...(p.timezone ? { timezone: p.timezone } : {}),
    ...(p.releaseWindow ? { releaseWindow: p.releaseWindow } : {}),
    environments: Object.entries(p.environments).map(([eName, e]) => ({
      name: eName,
      project: pName,
      production: e.production,
      requireApproval: e.requireApproval ?? e.production,
      services: Object.entries(e.services).map(([sName, s]) => ({
        name: sName,
        project: pName,
        env: eName,
        host: targetOf(s),
        selector: { name: s.container, labels: s.labels },
        image: s.image,
        probe: s.probe ? { url: s.probe.url, timeoutMs: s.probe.timeout } : undefined,
        ...(s.slos ? { slos: s.slos.map(sloSpec) } : {}),
        ...(s.signals ? { signals: s.signals } : {}),
      })),
    })),
  }));
  const people: Person[] = c.people.map((p) => ({
    id: p.id,
    name: p.name ?? p.id,
    accounts: accountsOf(p),
    roles: p.roles,
  }));
  const rotations: RotationSpec[] = c.rotations.map((r) => ({ ...r }));
  const chats = c.chats.map((ch) => ({ platform: ch.platform, chatId: ch.id, projects: ch.projects }));
  return {
    catalog: { projects, people, chats, rotations, hosts: Object.keys(c.hosts) },
    limits: {
      maxLogLines: c.limits.logs.maxLines,
      defaultLogLines: c.limits.logs.defaultLines,
      inlineLogLines: c.limits.logs.inlineLines,
      hostTimeoutMs: c.limits.hostTimeoutMs,
    },
    hosts: c.hosts,
    actions: {
      confirmTtlMs: c.actions.confirmTtl,
      healthTimeoutMs: c.actions.healthTimeout,
      healthGraceMs: c.actions.healthGrace,
      lockLeaseMs: c.actions.lockLease,
    },
    promotion: { soakMs: c.promotion.soak },
    github: c.github,
    alertmanager: { projectLabel: c.alertmanager.projectLabel, url: c.alertmanager.url },
    incidents: {
      projectLabel: c.alertmanager.projectLabel,
      serviceLabel: c.alertmanager.serviceLabel,
      envLabel: c.alertmanager.envLabel,
      silenceMs: c.alertmanager.silence,
      escalateAfterMs: c.alertmanager.escalateAfter,
      linkDeployWithinMs: c.alertmanager.linkDeployWithin,
    },
    reports: c.reports,
    cost: costSettingsOf(c),
    prometheus: c.prometheus && {
      url: c.prometheus.url,
      timeoutMs: c.prometheus.timeout,
      statusTimeoutMs: c.prometheus.statusTimeout,
      evaluateEveryMs: c.prometheus.evaluateEvery,
      burnRules: c.prometheus.burnAlerts?.map((r) => ({ severity: r.severity, factor: r.burnRate, longMs: r.longWindow, shortMs: r.shortWindow })) ?? [...WORKBOOK_BURN_RULES],
    },
    recurringFreezes: Object.entries(c.projects).flatMap(([project, p]) =>
      p.freezes.map((f) => ({ name: f.name, project, envs: f.envs, timezone: f.timezone, from: f.from, to: f.to })),
    ),
  };
}

function costSettingsOf(c: RawConfig): CostSettings {
  const byProject = Object.fromEntries(Object.entries(c.projects).flatMap(([p, project]) => (project.cost ? [[p, project.cost]] : [])));
  const byHost = Object.fromEntries(Object.entries(c.hosts).flatMap(([h, host]) => (host.cost ? [[h, host.cost]] : [])));
  return {
    ...(c.cost.prices ? { prices: c.cost.prices } : {}),
    byProject,
    byHost,
    sampleEveryMs: c.cost.sampleEvery,
    idleCpuCores: c.cost.idleCpu,
    idleDays: c.cost.idleDays,
    anomalyGrowth: c.cost.anomalyGrowthPct / 100,
  };
}

type RawSlo = NonNullable<RawConfig['projects'][string]['environments'][string]['services'][string]['slos']>[number];

function sloSpec(s: RawSlo): SloSpec {
  const sli: SloSpec['sli'] = s.latency
    ? { kind: 'latency', query: s.latency.query, thresholdMs: s.latency.under, unit: s.latency.unit, sliceMs: s.latency.slice }
    : { kind: 'ratio', good: s.good!, total: s.total! };
  // 99.9 → 0.999 without the binary fraction 99.9 / 100 leaves (0.9990000000000001).
  return { name: s.name, objective: Math.round(s.objective * 1e6) / 1e8, windowMs: s.window, sli };
}

/** The host a service runs on: `target:`, or `host:` as configs said before. */
function targetOf(service: { host?: string | undefined; target?: string | undefined }): string {
  return service.target ?? service.host ?? '';
}
