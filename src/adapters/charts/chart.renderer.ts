/**
 * The platforms' chart renderer: a neutral ChartSpec in, a PNG out, drawn in this process. The drawing
 * libraries are loaded on the first chart only (see chart.draw.ts), so a process that never draws one does
 * not pay their memory.
 */
import type { ChartSpec } from '../../core/messages/reply.js';
import type { Logger } from '../../core/ports/logger.port.js';
import { parseChartSpec } from './chart-spec.schema.js';

/** 16:9 at a size that stays sharp in a phone's full-screen view and small as a PNG (~20-40 KB). */
export const CHART_SIZE = { width: 1200, height: 675 } as const;

export interface RenderedChart {
  png: Buffer;
  filename: string;
  /** One line describing the chart, for platforms that show an alternative text. */
  altText: string;
}

let drawing: Promise<typeof import('./chart.draw.js')> | undefined;
const loadDraw = () => (drawing ??= import('./chart.draw.js'));

/** Draws the chart; throws when the spec is malformed (see chart-spec.schema.ts) or drawing fails. */
export async function renderChart(spec: unknown): Promise<RenderedChart> {
  const parsed = parseChartSpec(spec);
  if (!parsed.ok) throw new Error(`malformed chart: ${parsed.error}`);
  const { drawChart } = await loadDraw();
  const png = drawChart(parsed.spec, CHART_SIZE);
  return { png, filename: chartFilename(parsed.spec), altText: chartAltText(parsed.spec) };
}

/**
 * The chart, or undefined (logged) when it cannot be drawn: a reply still goes out with its text when its
 * picture fails, and an outbox row is never retried for a chart that will never draw.
 */
export async function renderChartOrSkip(spec: unknown, logger: Logger): Promise<RenderedChart | undefined> {
  try {
    return await renderChart(spec);
  } catch (err) {
    logger.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, 'chart could not be drawn; sending the text alone');
    return undefined;
  }
}

/** `deploys-per-week-shop.png`: the title as a safe file name. */
export function chartFilename(spec: ChartSpec): string {
  const slug = spec.title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `${slug || 'chart'}.png`;
}

/** `Deploys per week, shop: bar chart of succeeded, failed (deploys), 10-05 to 11-23`. */
export function chartAltText(spec: ChartSpec): string {
  const first = spec.labels[0] ?? '';
  const last = spec.labels[spec.labels.length - 1] ?? '';
  const unit = spec.unit ? ` (${spec.unit})` : '';
  return `${spec.title}: ${spec.kind} chart of ${spec.series.map((s) => s.name).join(', ')}${unit}, ${first} to ${last}`;
}
