import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChartSpec } from '../../core/messages/reply.js';
import type { Logger } from '../../core/ports/logger.port.js';
import { renderChartOrSkip } from '../charts/chart.renderer.js';

/**
 * A terminal shows no pictures: the chart is drawn as a PNG into a folder of its own (under `dir`, default
 * the OS temp dir) and the line to print says where, e.g. `Chart (Deploys per week, shop): /tmp/…/x.png`.
 */
export async function saveChart(chart: ChartSpec, dir: string | undefined, logger: Logger): Promise<string> {
  const drawn = await renderChartOrSkip(chart, logger);
  if (!drawn) return `Chart (${chart.title}): could not be drawn.`;
  const folder = await mkdtemp(join(dir ?? tmpdir(), 'deckhand-'));
  const path = join(folder, drawn.filename);
  await writeFile(path, drawn.png, { mode: 0o600 });
  return `Chart (${chart.title}): ${path}`;
}
