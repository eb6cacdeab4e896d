/**
 * DeploymentStore on PostgreSQL (table deployment). (action_id, service) is unique, so a second start of
 * the same action fails with DuplicateDeploymentError; steps are appended to a JSONB array in one UPDATE.
 */
import { z } from 'zod';
import type {
  Deployment,
  DeploymentQuery,
  DeploymentStatus,
  DeploymentStore,
  FinishedQuery,
  NewDeployment,
  SucceededBeforeQuery,
} from '../../core/ports/deployment.port.js';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import {
  deploymentKindSchema,
  deploymentIdSchema,
  deploymentQuerySchema,
  deploymentRowSchema,
  finishStatusSchema,
  newDeploymentSchema,
  stepText,
} from './deployment.schema.js';
import { isUniqueViolation } from './prisma-errors.js';

export class DuplicateDeploymentError extends Error {
  override readonly name = 'DuplicateDeploymentError';
  constructor(
    readonly actionId: string,
    readonly service: string,
  ) {
    super(`A deployment of ${service} for action ${actionId} was already started.`);
  }
}

export class DeploymentNotFoundError extends Error {
  override readonly name = 'DeploymentNotFoundError';
  constructor(readonly id: string) {
    super(`No deployment with id ${id}.`);
  }
}

const toDeployment = (row: Prisma.DeploymentModel): Deployment => deploymentRowSchema.parse(row);

const finishedQuerySchema = z
  .object({
    project: z.string().min(1).max(100),
    envs: z.array(z.string().min(1).max(100)).max(50).optional(),
    kinds: z.array(deploymentKindSchema).max(3).optional(),
    from: z.date(),
    to: z.date(),
    limit: z.number().int().min(1).max(500),
  })
  .refine((q) => q.from.getTime() <= q.to.getTime(), 'from must not be after to');

const succeededBeforeSchema = z.object({
  project: z.string().min(1).max(100),
  env: z.string().min(1).max(100),
  service: z.string().min(1).max(100),
  before: z.date(),
});

const newestFirst: Prisma.DeploymentOrderByWithRelationInput[] = [{ startedAt: 'desc' }, { id: 'desc' }];

export class PrismaDeploymentStore implements DeploymentStore {
  constructor(private readonly prisma: PrismaClient) {}

  async start(d: NewDeployment): Promise<Deployment> {
    const data = newDeploymentSchema.parse(d);
    try {
      const row = await this.prisma.deployment.create({ data: { ...data, status: 'running', steps: [] } });
      return toDeployment(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateDeploymentError(data.actionId, data.service);
      throw error;
    }
  }

  /** Appends `{ at, text }` atomically (concurrent steps are all kept). */
  async step(id: string, text: string, at: Date): Promise<void> {
    const key = this.key(id);
    const step = JSON.stringify([{ at: at.toISOString(), text: stepText.parse(text) }]);
    const count = await this.prisma.$executeRaw`
      UPDATE "deployment" SET "steps" = "steps" || ${step}::jsonb WHERE "id" = ${key}`;
    if (count === 0) throw new DeploymentNotFoundError(id);
  }

  /**
   * Ends a running deployment (status, finishedAt, and `text` as a last step). The first finish wins: a
   * repeated finish (a retried job) changes nothing. Throws DeploymentNotFoundError for an unknown id.
   */
  async finish(id: string, status: Exclude<DeploymentStatus, 'running'>, at: Date, text?: string): Promise<void> {
    const key = this.key(id);
    const final = finishStatusSchema.parse(status);
    const step = JSON.stringify(text === undefined ? [] : [{ at: at.toISOString(), text: stepText.parse(text) }]);
    const count = await this.prisma.$executeRaw`
      UPDATE "deployment" SET "status" = ${final}, "finished_at" = ${at}, "steps" = "steps" || ${step}::jsonb
      WHERE "id" = ${key} AND "status" = 'running'`;
    if (count === 0 && (await this.prisma.deployment.count({ where: { id: key } })) === 0) {
      throw new DeploymentNotFoundError(id);
    }
  }

  /** Newest first, optionally filtered by project, env and service. */
  async recent(q: DeploymentQuery): Promise<Deployment[]> {
    const { limit, ...where } = deploymentQuerySchema.parse(q);
    const rows = await this.prisma.deployment.findMany({ where, orderBy: newestFirst, take: limit });
    return rows.map(toDeployment);
  }

  /** Newest succeeded record (any kind or source) of the service whose version is not `notVersion`. */
  async previousSucceeded(project: string, env: string, service: string, notVersion: string): Promise<Deployment | null> {
    const row = await this.prisma.deployment.findFirst({
      where: { project, env, service, status: 'succeeded', version: { not: notVersion } },
      orderBy: newestFirst,
    });
    return row ? toDeployment(row) : null;
  }

  /** Newest succeeded deploy or rollback of the service with startedAt < `before` (restarts change no version). */
  async lastSucceededBefore(q: SucceededBeforeQuery): Promise<Deployment | null> {
    const { project, env, service, before } = succeededBeforeSchema.parse(q);
    const row = await this.prisma.deployment.findFirst({
      where: { project, env, service, status: 'succeeded', kind: { not: 'restart' }, startedAt: { lt: before } },
      orderBy: newestFirst,
    });
    return row ? toDeployment(row) : null;
  }

  /** Deployments still running (after a restart: candidates to reconcile), oldest first. */
  async running(): Promise<Deployment[]> {
    const rows = await this.prisma.deployment.findMany({
      where: { status: 'running' },
      orderBy: [{ startedAt: 'asc' }, { id: 'asc' }],
    });
    return rows.map(toDeployment);
  }

  /** Deployments of the project finished in [from, to] (inclusive), newest finished first. */
  async finishedBetween(q: FinishedQuery): Promise<Deployment[]> {
    const { project, envs, kinds, from, to, limit } = finishedQuerySchema.parse(q);
    const rows = await this.prisma.deployment.findMany({
      where: {
        project,
        ...(envs ? { env: { in: envs } } : {}),
        ...(kinds ? { kind: { in: kinds } } : {}),
        finishedAt: { gte: from, lte: to },
      },
      orderBy: [{ finishedAt: 'desc' }, { id: 'desc' }],
      take: limit,
    });
    return rows.map(toDeployment);
  }

  private key(id: string): bigint {
    const parsed = deploymentIdSchema.safeParse(id);
    if (!parsed.success) throw new DeploymentNotFoundError(id);
    return parsed.data;
  }
}
