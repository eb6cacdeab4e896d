/**
 * IncidentStore on PostgreSQL (table incident). Alert states are a JSON array replaced per notification;
 * timeline entries are appended with `timeline || $entries` in one UPDATE, so notes written while
 * Alertmanager updates the incident are kept. JSON is validated with zod on the way in and out. A group has at
 * most one open incident (the partial unique index `incident_one_open_per_group`, made by a hand-written
 * migration), and opening one is a single `INSERT … ON CONFLICT DO NOTHING` against it.
 */
import { z } from 'zod';
import type { Incident, IncidentAlert, IncidentStore, IncidentWindow, NewIncident, OpenClaim, TimelineEntry } from '../../core/ports/incident.port.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { PrismaDb } from './prisma-client.js';
import { withFreshId } from './prisma-errors.js';
import { newShortId, shortIdSchema } from './short-id.js';

const text = (max: number) => z.string().transform((s) => (s.length > max ? `${s.slice(0, max - 1)}…` : s));
const instant = z.coerce.date();

const entrySchema = z.object({
  at: instant,
  kind: z.enum(['opened', 'firing', 'resolved', 'note', 'closed', 'ack', 'silence', 'escalation', 'action', 'deploy']),
  text: text(1000),
  by: z.string().max(100).nullable(),
});

const alertSchema = z.object({
  fingerprint: z.string().min(1).max(64),
  name: text(200),
  status: z.enum(['firing', 'resolved']),
  summary: text(500),
  startsAt: instant,
  endsAt: instant.nullable(),
  // The webhook's own limits (alertmanager.schema.ts): a long label must never stop an incident from opening.
  labels: z.record(z.string().max(256), z.string().max(4096)).default({}),
});

const newIncidentSchema = z.object({
  project: z.string().min(1).max(100),
  groupKey: z.string().min(1).max(1024),
  title: text(200),
  openedAt: z.date(),
  alerts: z.array(alertSchema),
  timeline: z.array(entrySchema),
});

const json = (value: unknown): string => JSON.stringify(value);

function toIncident(row: Prisma.IncidentModel): Incident {
  return {
    id: row.id,
    project: row.project,
    groupKey: row.groupKey,
    title: row.title,
    status: z.enum(['open', 'resolved']).parse(row.status),
    openedAt: row.openedAt,
    resolvedAt: row.resolvedAt,
    alerts: z.array(alertSchema).parse(row.alerts),
    timeline: z.array(entrySchema).parse(row.timeline),
    acknowledgedBy: row.acknowledgedBy,
    acknowledgedAt: row.acknowledgedAt,
    escalationLevel: row.escalationLevel,
    silenceId: row.silenceId,
    silencedUntil: row.silencedUntil,
    deploymentId: row.deploymentId === null ? null : row.deploymentId.toString(),
  };
}

const deploymentIdSchema = z.string().regex(/^\d{1,18}$/, 'a deployment id');

export class PrismaIncidentStore implements IncidentStore {
  constructor(private readonly prisma: PrismaDb) {}

  async openOrGet(incident: NewIncident): Promise<OpenClaim> {
    const data = newIncidentSchema.parse(incident);
    const alerts = json(data.alerts);
    const timeline = json(data.timeline);
    // The loser of a race waits for the winner's insert to commit, inserts nothing and reads the winner's
    // row. If that incident resolved in between, the group is free again: claim it once more.
    for (let attempt = 1; ; attempt++) {
      const inserted = await withFreshId(newShortId, (id) =>
        this.prisma.$executeRaw`
          INSERT INTO "incident" ("id", "project", "group_key", "title", "status", "opened_at", "alerts", "timeline")
          VALUES (${id}, ${data.project}, ${data.groupKey}, ${data.title}, 'open', ${data.openedAt}, ${alerts}::jsonb, ${timeline}::jsonb)
          ON CONFLICT ("project", "group_key") WHERE "status" = 'open' DO NOTHING`.then((count) => (count === 1 ? id : null)),
      );
      if (inserted) return { incident: toIncident(await this.prisma.incident.findUniqueOrThrow({ where: { id: inserted } })), opened: true };
      const winner = await this.findOpen(data.project, data.groupKey);
      if (winner) return { incident: winner, opened: false };
      if (attempt >= 5) throw new Error(`incident of ${data.project} group ${data.groupKey}: opened and resolved again on every attempt`);
    }
  }

  async open(incident: NewIncident): Promise<Incident> {
    return (await this.openOrGet(incident)).incident;
  }

  async get(id: string): Promise<Incident | null> {
    if (!shortIdSchema.safeParse(id).success) return null;
    const row = await this.prisma.incident.findUnique({ where: { id } });
    return row ? toIncident(row) : null;
  }

  async findOpen(project: string, groupKey: string): Promise<Incident | null> {
    const row = await this.prisma.incident.findFirst({ where: { project, groupKey, status: 'open' }, orderBy: [{ openedAt: 'desc' }, { id: 'asc' }] });
    return row ? toIncident(row) : null;
  }

  async latestOpen(projects: readonly string[]): Promise<Incident | null> {
    if (projects.length === 0) return null;
    const row = await this.prisma.incident.findFirst({
      where: { project: { in: [...projects] }, status: 'open' },
      orderBy: [{ openedAt: 'desc' }, { id: 'asc' }],
    });
    return row ? toIncident(row) : null;
  }

  async update(id: string, alerts: IncidentAlert[], entries: TimelineEntry[]): Promise<boolean> {
    const a = json(z.array(alertSchema).parse(alerts));
    const e = json(z.array(entrySchema).parse(entries));
    const count = await this.prisma.$executeRaw`
      UPDATE "incident" SET "alerts" = ${a}::jsonb, "timeline" = "timeline" || ${e}::jsonb WHERE "id" = ${id} AND "status" = 'open'`;
    return count === 1;
  }

  async updateIfUnchanged(id: string, expected: IncidentAlert[], alerts: IncidentAlert[], entries: TimelineEntry[]): Promise<boolean> {
    if (!shortIdSchema.safeParse(id).success) return false;
    // jsonb equality ignores key order; the expected states are serialized exactly as they were stored.
    const before = json(z.array(alertSchema).parse(expected));
    const a = json(z.array(alertSchema).parse(alerts));
    const e = json(z.array(entrySchema).parse(entries));
    const count = await this.prisma.$executeRaw`
      UPDATE "incident" SET "alerts" = ${a}::jsonb, "timeline" = "timeline" || ${e}::jsonb
      WHERE "id" = ${id} AND "status" = 'open' AND "alerts" = ${before}::jsonb`;
    return count === 1;
  }

  async addEntry(id: string, entry: TimelineEntry): Promise<boolean> {
    if (!shortIdSchema.safeParse(id).success) return false;
    const e = json([entrySchema.parse(entry)]);
    const count = await this.prisma.$executeRaw`
      UPDATE "incident" SET "timeline" = "timeline" || ${e}::jsonb WHERE "id" = ${id}`;
    return count === 1;
  }

  async resolve(id: string, at: Date, alerts: IncidentAlert[], entries: TimelineEntry[]): Promise<Incident | null> {
    const a = json(z.array(alertSchema).parse(alerts));
    const e = json(z.array(entrySchema).parse(entries));
    const count = await this.prisma.$executeRaw`
      UPDATE "incident" SET "status" = 'resolved', "resolved_at" = ${at}, "alerts" = ${a}::jsonb, "timeline" = "timeline" || ${e}::jsonb
      WHERE "id" = ${id} AND "status" = 'open'`;
    return count === 1 ? this.get(id) : null;
  }

  async acknowledge(id: string, personId: string, at: Date): Promise<Incident | null> {
    if (!shortIdSchema.safeParse(id).success) return null;
    const who = z.string().min(1).max(100).parse(personId);
    const e = json([entrySchema.parse({ at, kind: 'ack', text: 'Acknowledged', by: who })]);
    const count = await this.prisma.$executeRaw`
      UPDATE "incident" SET "acknowledged_by" = ${who}, "acknowledged_at" = ${at}, "timeline" = "timeline" || ${e}::jsonb
      WHERE "id" = ${id} AND "status" = 'open' AND "acknowledged_by" IS NULL`;
    return count === 1 ? this.get(id) : null;
  }

  async setSilence(id: string, silenceId: string, until: Date, entry: TimelineEntry): Promise<boolean> {
    const sid = z.string().min(1).max(100).parse(silenceId);
    const parsed = entrySchema.parse(entry);
    const e = json([parsed]);
    const count = await this.prisma.$executeRaw`
      UPDATE "incident" SET "silence_id" = ${sid}, "silenced_until" = ${until}, "timeline" = "timeline" || ${e}::jsonb
      WHERE "id" = ${id} AND "status" = 'open' AND ("silenced_until" IS NULL OR "silenced_until" <= ${parsed.at})`;
    return count === 1;
  }

  async escalate(id: string, from: number, entry: TimelineEntry): Promise<boolean> {
    const e = json([entrySchema.parse(entry)]);
    const count = await this.prisma.$executeRaw`
      UPDATE "incident" SET "escalation_level" = ${from + 1}, "timeline" = "timeline" || ${e}::jsonb
      WHERE "id" = ${id} AND "status" = 'open' AND "acknowledged_by" IS NULL AND "escalation_level" = ${from}`;
    return count === 1;
  }

  async unacknowledged(openedBefore: Date, maxLevel: number): Promise<Incident[]> {
    const rows = await this.prisma.incident.findMany({
      where: { status: 'open', acknowledgedBy: null, escalationLevel: { lt: maxLevel }, openedAt: { lte: openedBefore } },
      orderBy: [{ openedAt: 'asc' }, { id: 'asc' }],
      take: 500,
    });
    return rows.map(toIncident);
  }

  async linkDeployment(id: string, deploymentId: string, entry: TimelineEntry): Promise<boolean> {
    const dep = BigInt(deploymentIdSchema.parse(deploymentId));
    const e = json([entrySchema.parse(entry)]);
    const count = await this.prisma.$executeRaw`
      UPDATE "incident" SET "deployment_id" = ${dep}, "timeline" = "timeline" || ${e}::jsonb
      WHERE "id" = ${id} AND "deployment_id" IS NULL`;
    return count === 1;
  }

  async silencedOpen(): Promise<Incident[]> {
    const rows = await this.prisma.incident.findMany({
      where: { status: 'open', silenceId: { not: null } },
      orderBy: [{ openedAt: 'asc' }, { id: 'asc' }],
      take: 500,
    });
    return rows.map(toIncident);
  }

  async openIncidents(projects: readonly string[]): Promise<Incident[]> {
    if (projects.length === 0) return [];
    const rows = await this.prisma.incident.findMany({
      where: { project: { in: [...projects] }, status: 'open' },
      orderBy: [{ openedAt: 'desc' }, { id: 'asc' }],
      take: 200,
    });
    return rows.map(toIncident);
  }

  async between(window: IncidentWindow): Promise<Incident[]> {
    if (window.projects.length === 0) return [];
    const rows = await this.prisma.incident.findMany({
      where: { project: { in: [...window.projects] }, openedAt: { gte: window.from, lt: window.to } },
      orderBy: [{ openedAt: 'asc' }, { id: 'asc' }],
      take: 5000,
    });
    return rows.map(toIncident);
  }
}
