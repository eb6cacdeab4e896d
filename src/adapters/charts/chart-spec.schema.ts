/**
 * A chart spec as it reaches an adapter: from the core in the same process, or read back from an outbox
 * row (jsonb) written by any replica. Checked before drawing so a malformed row costs a chart, not a crash.
 */
import { z } from 'zod';
import type { ChartSpec } from '../../core/messages/reply.js';

/** Points on the x axis and series per chart: more is unreadable on a phone (and bounds the work). */
export const CHART_LIMITS = { points: 120, series: 8, label: 40, title: 120 } as const;

export const chartSpecSchema = z
  .object({
    kind: z.enum(['bar', 'line']),
    title: z.string().max(CHART_LIMITS.title),
    labels: z.array(z.string().max(CHART_LIMITS.label)).min(1).max(CHART_LIMITS.points),
    series: z
      .array(z.object({ name: z.string().max(CHART_LIMITS.label), values: z.array(z.number().finite().nullable()).max(CHART_LIMITS.points) }))
      .min(1)
      .max(CHART_LIMITS.series),
    unit: z.string().max(CHART_LIMITS.label).optional(),
  })
  .refine((c) => c.series.every((s) => s.values.length === c.labels.length), 'every series needs one value per label');

export function parseChartSpec(input: unknown): { ok: true; spec: ChartSpec } | { ok: false; error: string } {
  const parsed = chartSpecSchema.safeParse(input);
  if (parsed.success) return { ok: true, spec: parsed.data };
  return { ok: false, error: parsed.error.issues.map((i) => `${i.path.join('.') || 'chart'}: ${i.message}`).join('; ') };
}
