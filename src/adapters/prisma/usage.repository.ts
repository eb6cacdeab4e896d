/**
 * UsageStore on PostgreSQL: samples in usage_sample (primary key (at, host, unit) so a repeated run counts
 * once), compacted under a transaction-scoped advisory lock into usage_hour (one row per service and hour,
 * sums added on conflict; moved and deleted by one statement), the units' last readings in usage_unit
 * (never moved back to an older one), sent warnings in cost_anomaly.
 */
import { z } from 'zod';
import type { UnitMark, UsageDay, UsageQuery, UsageSample, UsageStore } from '../../core/ports/usage.port.js';
import type { PrismaClient } from '../../generated/prisma/client.js';

/** The advisory lock key of compaction (any constant shared by the replicas; "cost" in ASCII). */
const COMPACTION_LOCK = 0x636f7374;
/** Marks of units not read for this long are dropped at compaction (the units are gone). */
const MARK_TTL_MS = 86_400_000;

const word = z.string().min(1).max(300);
const sampleSchema = z.object({
  at: z.date(),
  host: word,
  unitId: word,
  project: word,
  env: word,
  service: word,
  seconds: z.number().int().min(0).max(86_400),
  cpuCores: z.number().finite().min(0),
  memoryBytes: z.number().finite().min(0),
  storageBytes: z.number().finite().min(0),
  restarts: z.number().int().min(0),
  unhealthy: z.boolean(),
  imageCreatedAt: z.date().nullable(),
});

interface DayRow {
  project: string;
  env: string;
  service: string;
  day: Date;
  seconds: bigint | number;
  hours: bigint | number;
  cpu: number;
  mem: number;
  disk: number;
  max_cpu: number;
  restarts: bigint | number;
  unhealthy: bigint | number;
  image_created_at: Date | null;
}

export class PrismaUsageStore implements UsageStore {
  constructor(private readonly prisma: PrismaClient) {}

  async marks(host: string, unitIds: readonly string[]): Promise<Map<string, UnitMark>> {
    if (unitIds.length === 0) return new Map();
    const rows = await this.prisma.usageUnit.findMany({ where: { host, unitId: { in: [...unitIds] } } });
    return new Map(rows.map((r) => [r.unitId, { host: r.host, unitId: r.unitId, readAt: r.readAt, cpuTotalNs: r.cpuTotalNs, restartCount: r.restartCount }]));
  }

  async record(samples: readonly UsageSample[], marks: readonly UnitMark[]): Promise<void> {
    const checked = samples.map((s) => sampleSchema.parse(s));
    await this.prisma.$transaction(async (tx) => {
      if (checked.length > 0) {
        await tx.usageSample.createMany({
          data: checked.map((s) => ({ ...s, memoryBytes: BigInt(Math.round(s.memoryBytes)), storageBytes: BigInt(Math.round(s.storageBytes)) })),
          skipDuplicates: true,
        });
      }
      // A mark moves forward only: a late or repeated run (older readings) must not put back an older
      // counter, or the next rate would be taken over the wrong interval.
      for (const m of marks) {
        await tx.$executeRaw`
          INSERT INTO "usage_unit" ("host", "unit_id", "read_at", "cpu_total_ns", "restart_count")
          VALUES (${m.host}, ${m.unitId}, ${m.readAt}, ${m.cpuTotalNs}, ${m.restartCount})
          ON CONFLICT ("host", "unit_id") DO UPDATE SET
            "read_at" = EXCLUDED."read_at", "cpu_total_ns" = EXCLUDED."cpu_total_ns", "restart_count" = EXCLUDED."restart_count"
          WHERE "usage_unit"."read_at" < EXCLUDED."read_at"`;
      }
    });
  }

  async compact(before: Date): Promise<number> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${COMPACTION_LOCK})`;
      // One statement: the rows summed into usage_hour are exactly the rows deleted. As two statements (an
      // INSERT … SELECT, then a DELETE) each took its own snapshot, so a sample committed in between was
      // deleted without being counted.
      const [row] = await tx.$queryRaw<{ moved: bigint }[]>`
        WITH moved AS (
          DELETE FROM "usage_sample" WHERE "at" < ${before}
          RETURNING "project", "env", "service", "at", "seconds", "cpu_cores", "memory_bytes", "storage_bytes", "restarts", "unhealthy", "image_created_at"
        ), hours AS (
          INSERT INTO "usage_hour" AS h ("project", "env", "service", "hour", "seconds", "cpu_core_seconds", "memory_byte_seconds",
            "storage_byte_seconds", "max_cpu_cores", "restarts", "unhealthy_seconds", "image_created_at")
          SELECT "project", "env", "service", date_trunc('hour', "at" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
            SUM("seconds"), SUM("cpu_cores" * "seconds"), SUM("memory_bytes"::float8 * "seconds"), SUM("storage_bytes"::float8 * "seconds"),
            MAX("cpu_cores"), SUM("restarts"), SUM(CASE WHEN "unhealthy" THEN "seconds" ELSE 0 END), MIN("image_created_at")
          FROM moved
          GROUP BY 1, 2, 3, 4
          ON CONFLICT ("project", "env", "service", "hour") DO UPDATE SET
            "seconds" = h."seconds" + EXCLUDED."seconds",
            "cpu_core_seconds" = h."cpu_core_seconds" + EXCLUDED."cpu_core_seconds",
            "memory_byte_seconds" = h."memory_byte_seconds" + EXCLUDED."memory_byte_seconds",
            "storage_byte_seconds" = h."storage_byte_seconds" + EXCLUDED."storage_byte_seconds",
            "max_cpu_cores" = GREATEST(h."max_cpu_cores", EXCLUDED."max_cpu_cores"),
            "restarts" = h."restarts" + EXCLUDED."restarts",
            "unhealthy_seconds" = h."unhealthy_seconds" + EXCLUDED."unhealthy_seconds",
            "image_created_at" = LEAST(h."image_created_at", EXCLUDED."image_created_at")
        )
        SELECT COUNT(*) AS "moved" FROM moved`;
      await tx.$executeRaw`DELETE FROM "usage_unit" WHERE "read_at" < ${new Date(before.getTime() - MARK_TTL_MS)}`;
      return Number(row?.moved ?? 0);
    });
  }

  async daily(q: UsageQuery): Promise<UsageDay[]> {
    if (q.projects.length === 0) return [];
    const rows = await this.prisma.$queryRaw<DayRow[]>`
      SELECT "project", "env", "service", date_trunc('day', "hour" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS "day",
        SUM("seconds") AS "seconds", COUNT(*) AS "hours", SUM("cpu_core_seconds") AS "cpu", SUM("memory_byte_seconds") AS "mem",
        SUM("storage_byte_seconds") AS "disk", MAX("max_cpu_cores") AS "max_cpu", SUM("restarts") AS "restarts",
        SUM("unhealthy_seconds") AS "unhealthy", MIN("image_created_at") AS "image_created_at"
      FROM "usage_hour"
      WHERE "project" = ANY(${[...q.projects]}::text[])
        AND "hour" >= date_trunc('day', ${q.from}::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
        AND "hour" < date_trunc('day', ${q.to}::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
      GROUP BY 1, 2, 3, 4
      ORDER BY 4, 1, 2, 3`;
    return rows.map((r) => ({
      project: r.project,
      env: r.env,
      service: r.service,
      day: r.day,
      seconds: Number(r.seconds),
      hours: Number(r.hours),
      cpuCoreSeconds: Number(r.cpu),
      memoryByteSeconds: Number(r.mem),
      storageByteSeconds: Number(r.disk),
      maxCpuCores: Number(r.max_cpu),
      restarts: Number(r.restarts),
      unhealthySeconds: Number(r.unhealthy),
      imageCreatedAt: r.image_created_at,
    }));
  }

  async anomalySent(project: string, weekStart: Date): Promise<boolean> {
    return (await this.prisma.costAnomaly.count({ where: { project, weekStart } })) > 0;
  }

  async markAnomalySent(project: string, weekStart: Date): Promise<void> {
    await this.prisma.costAnomaly.createMany({ data: [{ project: word.parse(project), weekStart }], skipDuplicates: true });
  }
}
