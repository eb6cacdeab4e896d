/** zod schema of Alertmanager's webhook payload, version "4", mapped to the core's AlertGroup. */
import { z } from 'zod';
import type { AlertGroup } from '../../core/domain/alert-group.js';

const labelSet = z.record(z.string().max(256), z.string().max(4096));

/** Go's zero time (`0001-01-01T00:00:00Z`) means "not set". */
const instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: instant,
  endsAt: instant.optional(),
  generatorURL: z.string().max(4096).optional(),
  fingerprint: z.string().regex(/^[0-9a-f]{1,64}$/, 'fingerprint must be hex'),
});

export const MAX_ALERTS = 5000;

export const alertmanagerPayloadSchema = z.object({
  version: z.literal('4'),
  groupKey: z.string().min(1).max(1024),
  truncatedAlerts: z.number().int().nonnegative().default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().max(256),
  groupLabels: labelSet.default({}),
  commonLabels: labelSet.default({}),
  commonAnnotations: labelSet.default({}),
  externalURL: z.string().max(4096).optional(),
  alerts: z.array(alertSchema).max(MAX_ALERTS),
});

export type AlertmanagerPayload = z.infer<typeof alertmanagerPayloadSchema>;

const isSet = (d: Date | undefined): d is Date => d !== undefined && d.getUTCFullYear() > 1970;

export function toAlertGroup(p: AlertmanagerPayload): AlertGroup {
  return {
    groupKey: p.groupKey,
    status: p.status,
    receiver: p.receiver,
    groupLabels: p.groupLabels,
    commonLabels: p.commonLabels,
    commonAnnotations: p.commonAnnotations,
    truncatedAlerts: p.truncatedAlerts,
    alerts: p.alerts.map((a) => ({
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: a.startsAt,
      endsAt: a.status === 'resolved' && isSet(a.endsAt) ? a.endsAt : null,
      fingerprint: a.fingerprint,
    })),
  };
}
