/** zod shapes for pending actions: checked on the way in and again when rows (JSON columns) come back. */
import { z } from 'zod';
import { shortIdSchema } from './short-id.js';
import { platformIds } from '../platforms.js';

export const name = z.string().min(1).max(100);
const platform = z.enum(platformIds);

const plannedServiceBase = z.object({
  service: name,
  host: name,
  currentImage: z.string().max(500),
  currentVersion: z.string().max(200),
  targetImage: z.string().max(500),
  targetVersion: z.string().max(200),
});

const unitName = z.string().max(300);

const commit = z.object({ sha: z.string().max(100), title: z.string().max(500), author: z.string().max(200) });

/** What the deploy changes in the service's code (see ServiceChanges), kept so announcements can show it. */
const serviceChanges = z.discriminatedUnion('known', [
  z.object({
    known: z.literal(true),
    repo: z.string().max(200),
    base: z.string().max(200),
    head: z.string().max(200),
    relation: z.enum(['ahead', 'behind', 'identical', 'diverged']),
    aheadBy: z.number().int().min(0),
    behindBy: z.number().int().min(0),
    commits: z.array(commit).max(50),
    url: z.string().max(1000),
  }),
  z.object({ known: z.literal(false), reason: z.string().max(1000) }),
]);

const currentPlannedService = plannedServiceBase.extend({
  revision: z.array(z.string().min(1).max(200)).max(200).nullable(),
  units: z.array(unitName).max(200),
  changes: serviceChanges.optional(),
  details: z.array(z.string().max(300)).max(20).optional(),
});

/**
 * A plan stored before revisions were pinned carried container ids and names. It is read as a plan whose
 * revision is unknown (null) with the containers' names as its units, so a pending action created before
 * the upgrade can still be confirmed, cancelled or recovered.
 */
const storedBeforeRevisions = plannedServiceBase
  .extend({ containers: z.array(z.object({ id: z.string().min(1).max(100), name: unitName })).max(200) })
  .transform(({ containers, ...rest }) => ({ ...rest, revision: null, units: containers.map((c) => c.name) }));

export const plannedServiceSchema = z.union([currentPlannedService, storedBeforeRevisions]);

const envKey = z.string().max(300);
const keyList = z.array(envKey).max(1000);

/** A promotion's source, configuration diff (keys only) and checks, as shown at request time. */
const promotionSchema = z.object({
  from: name,
  config: z.array(
    z.object({
      service: name,
      missingInTarget: keyList,
      missingInSource: keyList,
      differing: keyList,
      unknown: z.string().max(1000).optional(),
    }),
  ).max(100),
  checks: z.array(z.object({ level: z.enum(['ok', 'warn', 'block']), text: z.string().max(1000) })).max(200),
  inSync: z.array(name).max(100),
});

export const actionPlanSchema = z.object({
  kind: z.enum(['restart', 'deploy', 'rollback']),
  project: name,
  env: name,
  services: z.array(plannedServiceSchema).min(1).max(100),
  force: z.boolean(),
  promotion: promotionSchema.optional(),
});

export const messageRefSchema = z.object({
  platform,
  chatId: z.string().min(1).max(200),
  messageId: z.string().min(1).max(100),
});

export const newPendingActionSchema = z
  .object({
    plan: actionPlanSchema,
    requestedBy: name,
    platform,
    chatId: z.string().min(1).max(200),
    needsApproval: z.boolean(),
    createdAt: z.date(),
    expiresAt: z.date(),
    runAt: z.date().nullish(),
  })
  .refine((a) => a.expiresAt > a.createdAt, 'expiresAt must be after createdAt');

export const pendingStatusSchema = z.enum(['pending', 'scheduled', 'claimed', 'succeeded', 'failed', 'cancelled', 'expired', 'refused']);

export const finalStatusSchema = z.enum(['succeeded', 'failed', 'refused']);

/** A stored row, as the port's PendingAction (extra columns such as kind/project/finishedAt are dropped). */
export const pendingActionRowSchema = z.object({
  id: shortIdSchema,
  plan: actionPlanSchema,
  requestedBy: z.string(),
  platform,
  chatId: z.string(),
  needsApproval: z.boolean(),
  status: pendingStatusSchema,
  createdAt: z.date(),
  expiresAt: z.date(),
  claimedBy: z.string().nullable(),
  claimedAt: z.date().nullable(),
  message: messageRefSchema.nullable(),
  result: z.string().nullable(),
  runAt: z.date().nullable(),
});

/** Result text shown in chat: short, single paragraph-ish; longer text is cut with an ellipsis. */
export const resultText = z
  .string()
  .transform((s) => (s.length > 1000 ? `${s.slice(0, 999)}…` : s));
