/** zod shapes for deployment records, on the way in and out (steps are a JSON column). */
import { z } from 'zod';

const name = z.string().min(1).max(100);

/** Step and result text is shown in chat: cut long text instead of failing the deployment. */
export const stepText = z.string().transform((s) => (s.length > 500 ? `${s.slice(0, 499)}…` : s));

export const deploymentKindSchema = z.enum(['deploy', 'rollback', 'restart']);
export const deploymentStatusSchema = z.enum(['running', 'succeeded', 'failed', 'rolled_back']);
export const finishStatusSchema = z.enum(['succeeded', 'failed', 'rolled_back']);

export const newDeploymentSchema = z.object({
  actionId: z.string().min(1).max(100),
  kind: deploymentKindSchema,
  project: name,
  env: name,
  service: name,
  version: z.string().min(1).max(200),
  image: z.string().min(1).max(500),
  previousVersion: z.string().max(200).nullable(),
  previousImage: z.string().max(500).nullable(),
  requestedBy: name,
  approvedBy: name.nullable(),
  startedAt: z.date(),
  source: z.enum(['deckhand', 'external']),
});

export const deploymentQuerySchema = z.object({
  project: name.optional(),
  env: name.optional(),
  service: name.optional(),
  limit: z.number().int().min(1).max(500),
});

/** Deployment ids are the BIGSERIAL rendered as decimal text. */
export const deploymentIdSchema = z.string().regex(/^[1-9][0-9]{0,17}$/).transform((s) => BigInt(s));

export const stepsSchema = z.array(z.object({ at: z.iso.datetime({ offset: true }).transform((s) => new Date(s)), text: z.string() }));

export const deploymentRowSchema = newDeploymentSchema.extend({
  id: z.bigint().transform((n) => n.toString()),
  finishedAt: z.date().nullable(),
  status: deploymentStatusSchema,
  steps: stepsSchema,
});
