import { z } from 'zod';
import { chatBindingPlatforms, platformIds, platformPersonShape } from '../adapters/platforms.js';
import { runtimeHostSchema } from '../adapters/runtimes.js';
import { isValidCron } from '../adapters/bullmq/report-scheduler.js';
import { reportScheduleSchemaFor } from '../core/reports/scheduled-report.js';
import { isTimeZone } from '../core/domain/time-zone.js';
import { priceSchema } from '../core/cost/prices.js';

/** The YAML config file, as written by people. Cross-references are checked in config.ts. */

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'a name of letters, digits, . _ - (at most 63 characters)');
const role = z.enum(['viewer', 'operator', 'admin']);
const platformId = z.union([z.string().min(1), z.number().int()]).transform(String);

const labelName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a Prometheus label name');

const duration = (max: number) =>
  z
    .string()
    .regex(/^(\d+[smhd])+$/, 'a duration such as 30s, 5m or 2h')
    .transform((v) => [...v.matchAll(/(\d+)([smhd])/g)].reduce((ms, m) => ms + Number(m[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[m[2] as 's'], 0))
    .refine((ms) => ms >= 1000 && ms <= max, `between 1s and ${max / 60_000} minutes`);

const probeSchema = z.strictObject({
  url: z
    .string()
    .regex(/^https?:\/\/\S+$/, 'an http(s) URL; {container} is replaced by the container name')
    .refine((u) => URL.canParse(u.replaceAll('{container}', 'c')), 'an http(s) URL; {container} is replaced by the container name'),
  timeout: duration(600_000).default(30_000),
});

/** A PromQL template whose range is written `[{{window}}]` (filled in per window by Deckhand). */
const windowTemplate = z
  .string()
  .min(1)
  .refine((q) => /\{\{\s*window\s*\}\}/.test(q), 'a PromQL expression with {{window}} where the range goes, e.g. rate(http_requests_total[{{window}}])');

const sloSchema = z
  .strictObject({
    name,
    /** Percent of good events (or of good time slices for a latency objective), e.g. 99.9. */
    objective: z.number().gt(0, 'a percentage such as 99.9').lt(100, 'a percentage below 100, such as 99.9'),
    window: duration(365 * 86_400_000).default(30 * 86_400_000),
    /** Event SLI: good events and all events. */
    good: windowTemplate.optional(),
    total: windowTemplate.optional(),
    /** Latency objective: the share of time slices whose quantile stays under a threshold. */
    latency: z
      .strictObject({
        /** e.g. histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[{{window}}]))) */
        query: windowTemplate,
        /** The threshold in milliseconds (p99 under 300 ms: `under: 300`). */
        under: z.number().positive('milliseconds, such as 300'),
        unit: z.enum(['seconds', 'milliseconds']).default('seconds'),
        slice: duration(86_400_000).default(60_000),
      })
      .optional(),
  })
  .refine((s) => (s.good !== undefined && s.total !== undefined) !== (s.latency !== undefined), {
    message: 'an SLI: `good:` and `total:` (two PromQL expressions), or `latency: {query, under}`, one of them',
  });

const signalsSchema = z.strictObject({
  traffic: z.string().min(1).optional(),
  errors: z.string().min(1).optional(),
  latency: z.string().min(1).optional(),
  saturation: z.string().min(1).optional(),
});

const burnRuleSchema = z
  .strictObject({
    severity: z.string().regex(/^[a-z][a-z0-9_-]{0,30}$/, 'a word such as page or ticket').default('page'),
    burnRate: z.number().positive('a factor such as 14.4'),
    longWindow: duration(30 * 86_400_000),
    shortWindow: duration(30 * 86_400_000),
  })
  .refine((r) => r.shortWindow < r.longWindow, { message: 'a shortWindow shorter than the longWindow', path: ['shortWindow'] });

const serviceSchema = z
  .strictObject({
    /** The host (of any runtime kind) the service runs on; `target:` is the same field under its newer name. */
    host: name.optional(),
    target: name.optional(),
    container: z.string().min(1).optional(),
    labels: z.record(z.string(), z.string()).optional(),
    image: z.string().min(1).optional(),
    /** HTTP probe checked after each replaced/restarted container is healthy. */
    probe: probeSchema.optional(),
    /** Service level objectives (need `prometheus.url`). */
    slos: z.array(sloSchema).optional(),
    /** Golden-signal PromQL expressions shown by `status` (need `prometheus.url`). */
    signals: signalsSchema.optional(),
  })
  .refine((s) => s.container !== undefined || (s.labels !== undefined && Object.keys(s.labels).length > 0), {
    message: 'a container selector: `container: <name>` or `labels: {key: value}`',
  })
  .refine((s) => (s.host === undefined) !== (s.target === undefined), {
    message: 'where the service runs: `target: <host>` (or `host: <host>`), one of them',
  });

const environmentSchema = z.strictObject({
  production: z.boolean().default(false),
  /** Four-eyes approval for actions; defaults to `production`. */
  requireApproval: z.boolean().optional(),
  services: z.record(name, serviceSchema).default({}),
});

const weekTime = z
  .string()
  .regex(/^(monday|tuesday|wednesday|thursday|friday|saturday|sunday) ([01]\d|2[0-3]):[0-5]\d$/i, 'a weekday and time such as "friday 16:00"')
  .transform((v) => {
    const [day, time] = v.toLowerCase().split(' ');
    return { day: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].indexOf(day!) + 1, time: time! };
  });

const freezeSchema = z.strictObject({
  name: z.string().min(1).max(100),
  from: weekTime,
  to: weekTime,
  timezone: z.string().refine(isTimeZone, 'an IANA time zone such as Europe/Berlin or UTC'),
  envs: z.array(name).default([]),
});

/** An iCalendar feed of freeze periods: each event (recurrences expanded) freezes the environments. */
const freezeFeedSchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/, error: 'an http(s) URL of an .ics feed' }).optional(),
    /** A file path, relative to this config. */
    file: z.string().min(1).optional(),
    envs: z.array(name).default([]),
    refresh: duration(7 * 86_400_000).default(3_600_000),
    timeout: duration(120_000).default(10_000),
  })
  .refine((f) => (f.url === undefined) !== (f.file === undefined), { message: 'give either url or file (one of the two)' });

const actionsSchema = z
  .strictObject({
    confirmTtl: duration(24 * 3_600_000).default(300_000),
    healthTimeout: duration(3_600_000).default(120_000),
    healthGrace: duration(600_000).default(10_000),
    lockLease: duration(3_600_000).default(60_000),
  })
  .prefault({});

const promotionSchema = z
  .strictObject({
    /** How long the source environment must have run a version before `promote` takes it without --force. */
    soak: duration(30 * 86_400_000).default(2 * 3_600_000),
  })
  .prefault({});

const projectSchema = z.strictObject({
  description: z.string().optional(),
  /** Times typed in chat (`deploy … at 22:00`) and calendar days are in this zone (default: the rotation's, else UTC). */
  timezone: z.string().refine(isTimeZone, 'an IANA time zone such as Europe/Berlin or UTC').optional(),
  /** When releases go out (local `HH:MM`): a promotion plan offers "Schedule for tonight" at this time. */
  releaseWindow: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time HH:MM such as 22:00').optional(),
  freezes: z.array(freezeSchema).default([]),
  /** iCalendar feeds (.ics URLs or files) whose events are freezes too (public holidays, a release calendar). */
  freezeFeeds: z.array(freezeFeedSchema).max(20).default([]),
  environments: z.record(name, environmentSchema),
  /** What this project's use costs (wins over its hosts' and the default prices). */
  cost: priceSchema.optional(),
});

const grantSchema = z.strictObject({
  role,
  project: z.union([name, z.literal('*')]),
  env: z.union([name, z.literal('*')]).default('*'),
});

const personSchema = z.strictObject({
  id: name,
  name: z.string().min(1).optional(),
  // Each chat platform's account id field (`telegram: 42`, `slack: U012AB3CD`).
  ...platformPersonShape,
  roles: z.array(grantSchema).default([]),
});

const chatSchema = z.strictObject({
  platform: z.enum(chatBindingPlatforms),
  id: platformId,
  projects: z.array(name).min(1, 'at least one project'),
});

const weekday = z
  .enum(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'])
  .transform((d) => ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].indexOf(d) + 1);

const rotationSchema = z.strictObject({
  project: name,
  timezone: z.string().refine(isTimeZone, 'an IANA time zone such as Europe/Berlin or UTC'),
  handoff: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time HH:MM such as 09:00'),
  period: z.enum(['daily', 'weekly']).default('weekly'),
  handoffDay: weekday.prefault('monday'),
  start: z.iso.date('a date YYYY-MM-DD'),
  members: z.array(name).min(1, 'at least one person'),
  /** Secondary on call, in their own order; by default the member next in line after the primary. */
  secondaries: z.array(name).min(1, 'at least one person').optional(),
});

const limitsSchema = z
  .strictObject({
    logs: z
      .strictObject({
        defaultLines: z.number().int().min(1).default(50),
        maxLines: z.number().int().min(1).max(10_000).default(500),
        inlineLines: z.number().int().min(1).max(200).default(40),
      })
      .prefault({}),
    hostTimeoutMs: z.number().int().min(100).max(60_000).default(3000),
  })
  .prefault({});

const githubSchema = z
  .strictObject({
    /** `owner/name` → how its GitHub environments map to Deckhand services. */
    repos: z.record(
      z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'a repository as owner/name'),
      z.strictObject({
        environments: z.record(z.string().min(1), z.strictObject({ project: name, env: name, service: name })).default({}),
        /** The project whose bug reports (`bug`) are filed as issues here; one repository per project. */
        bugs: name.optional(),
        /** Workflow file path → the GitHub environment it deploys to. */
        deployWorkflows: z.record(z.string().min(1), z.string().min(1)).default({}),
      }),
    ),
  })
  .optional();

export const configSchema = z.strictObject({
  hosts: z.record(name, runtimeHostSchema).refine((h) => Object.keys(h).length > 0, 'at least one Docker host'),
  projects: z.record(name, projectSchema).refine((p) => Object.keys(p).length > 0, 'at least one project'),
  people: z.array(personSchema).default([]),
  chats: z.array(chatSchema).default([]),
  rotations: z.array(rotationSchema).default([]),
  limits: limitsSchema,
  actions: actionsSchema,
  promotion: promotionSchema,
  github: githubSchema,
  /** Scheduled morning reports, each to one chat. */
  reports: z
    .array(reportScheduleSchemaFor(platformIds).refine((r) => isValidCron(r.cron, r.timezone), { message: 'a cron pattern such as "0 9 * * 1-5"', path: ['cron'] }))
    .default([]),
  /** The FAQ file (`faq`): Markdown or YAML, relative to this config file. */
  faq: z.strictObject({ file: z.string().min(1, 'the path of a .md or .yaml file') }).optional(),
  /** The cost sampler and the default prices (`cost` command, weekly cost reports, week-over-week warnings). */
  cost: z
    .strictObject({
      /** Prices for services whose project and host have none. */
      prices: priceSchema.optional(),
      /** How often every container's use is read (once across replicas). */
      sampleEvery: duration(3_600_000).refine((ms) => ms >= 10_000, 'at least 10s').default(300_000),
      /** CPU cores at or under which an hour counts as idle. */
      idleCpu: z.number().min(0).max(64).default(0.01),
      /** Idle days before an environment is called idle. */
      idleDays: z.number().int().min(1).max(60).default(7),
      /** Week-over-week growth in percent that warns (the `cost` reply's ⚠️ and a push to the project's chats). */
      anomalyGrowthPct: z.number().min(1).max(10_000).default(50),
    })
    .prefault({}),
  alertmanager: z
    .strictObject({
      /** The alert label that names the Deckhand project an alert belongs to. */
      projectLabel: labelName.default('project'),
      /** Labels naming the service and the environment (for the Restart / Roll back buttons). */
      serviceLabel: labelName.default('service'),
      envLabel: labelName.default('env'),
      /** Alertmanager's own address, for silences made by the Silence button (API v2). */
      url: z
        .string()
        .regex(/^https?:\/\/\S+$/, 'an http(s) URL such as http://alertmanager:9093')
        .refine((u) => URL.canParse(u), 'an http(s) URL such as http://alertmanager:9093')
        .optional(),
      /** How long the Silence button silences the alert group. */
      silence: duration(7 * 86_400_000).default(3_600_000),
      /** Page the primary on call when an incident is not acknowledged for this long, the secondary after twice it. */
      escalateAfter: duration(86_400_000).default(600_000),
      /** Link a deploy finished at most this long before an incident opened. */
      linkDeployWithin: duration(7 * 86_400_000).default(3_600_000),
    })
    .prefault({}),
  /** The metrics server the SLOs and golden signals are read from. */
  prometheus: z
    .strictObject({
      url: z
        .string()
        .regex(/^https?:\/\/\S+$/, 'an http(s) URL such as http://prometheus:9090')
        .refine((u) => URL.canParse(u), 'an http(s) URL such as http://prometheus:9090'),
      /** Each query of `slo` and of the burn-rate job. */
      timeout: duration(60_000).default(3000),
      /** Each query of `status` (it answers without the signals when they take longer). */
      statusTimeout: duration(30_000).default(2000),
      /** How often the burn-rate alerts are evaluated (once across replicas). */
      evaluateEvery: duration(3_600_000).default(60_000),
      /** Multi-window, multi-burn-rate alert rules; default the SRE workbook's (14.4x 1h/5m, 6x 6h/30m). */
      burnAlerts: z.array(burnRuleSchema).min(1, 'at least one rule').optional(),
    })
    .optional(),
});

export type RawConfig = z.infer<typeof configSchema>;
export type { RuntimeHostConfig as HostConfig } from '../adapters/runtimes.js';
