import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { CHART_SIZE, chartAltText, chartFilename, renderChart, renderChartOrSkip } from '../../../../src/adapters/charts/chart.renderer.js';
import type { ChartSpec } from '../../../../src/core/messages/reply.js';
import { isBlank, pngFacts } from '../../../support/png.js';

const BLUE = '#0072B2';
const ORANGE = '#D55E00';

const deploys: ChartSpec = {
  kind: 'bar',
  title: 'Deploys per week, shop',
  labels: ['10-05', '10-12', '10-19', '10-26', '11-02', '11-09', '11-16', '11-23'],
  series: [
    { name: 'succeeded', values: [3, 5, 1, 0, 2, 7, 2, 4] },
    { name: 'failed or rolled back', values: [0, 1, 0, 0, null, 2, 0, 1] },
  ],
  unit: 'deploys',
};

describe('chart renderer', () => {
  it('draws a bar chart as a PNG of the chart size with each series in its own colour', async () => {
    const chart = await renderChart(deploys);
    const png = pngFacts(chart.png);
    expect({ width: png.width, height: png.height }).toEqual(CHART_SIZE);
    // Bars: the tallest (7 of 7) is most of the plot's height; each series shows in its colour.
    expect(png.near(BLUE)).toBeGreaterThan(20_000);
    expect(png.near(ORANGE)).toBeGreaterThan(2_000);
    expect(png.near(BLUE)).toBeGreaterThan(png.near(ORANGE));
    expect(chart.filename).toBe('deploys-per-week-shop.png');
    expect(chart.altText).toBe('Deploys per week, shop: bar chart of succeeded, failed or rolled back (deploys), 10-05 to 11-23');
  });

  it('draws more where there is more: a series of zeros draws no bars', async () => {
    const none = await renderChart({ ...deploys, series: [{ name: 'succeeded', values: deploys.labels.map(() => 0) }] });
    const some = await renderChart({ ...deploys, series: [{ name: 'succeeded', values: deploys.labels.map(() => 5) }] });
    expect(pngFacts(none.png).near(BLUE)).toBe(0);
    // Axes, labels and the title are drawn all the same.
    expect(pngFacts(none.png).drawn).toBeGreaterThan(2_000);
    expect(pngFacts(some.png).near(BLUE)).toBeGreaterThan(100_000);
  });

  it('draws a line chart with gaps', async () => {
    const chart = await renderChart({ kind: 'line', title: 'Error budget left', labels: ['1', '2', '3', '4'], series: [{ name: 'api', values: [100, 80, null, 40] }], unit: '%' });
    const png = pngFacts(chart.png);
    expect(png.width).toBe(CHART_SIZE.width);
    expect(png.near(BLUE)).toBeGreaterThan(500);
  });

  it('refuses a malformed spec (as an outbox row could hold) with what is wrong', async () => {
    await expect(renderChart({ ...deploys, series: [{ name: 'x', values: [1, 2] }] })).rejects.toThrow('malformed chart: chart: every series needs one value per label');
    await expect(renderChart({ ...deploys, kind: 'pie' })).rejects.toThrow(/kind/);
    await expect(renderChart({ ...deploys, series: [{ name: 'x', values: deploys.labels.map(() => Number.POSITIVE_INFINITY) }] })).rejects.toThrow(/series\.0\.values\.0/);
    const warned: unknown[] = [];
    const logger = { debug() {}, info() {}, warn: (obj: unknown, msg: string) => warned.push([obj, msg]), error() {}, child: () => logger };
    expect(await renderChartOrSkip({ kind: 'bar' }, logger)).toBeUndefined();
    expect(warned).toHaveLength(1);
    expect(warned[0]).toEqual([{ err: { message: expect.stringContaining('malformed chart') } }, 'chart could not be drawn; sending the text alone']);
  });

  it('names files safely and describes the chart in one line', () => {
    expect(chartFilename({ ...deploys, title: '../../etc/passwd: Cost (€) per week' })).toBe('etc-passwd-cost-per-week.png');
    expect(chartFilename({ ...deploys, title: '€€€' })).toBe('chart.png');
    expect(chartAltText({ kind: 'line', title: 'Burn', labels: ['a', 'b'], series: [{ name: 'api', values: [1, 2] }] })).toBe('Burn: line chart of api, a to b');
  });

  it('the image checks fail on a blank image', () => {
    const blank = new PNG({ width: 20, height: 10 });
    blank.data.fill(255);
    expect(isBlank(PNG.sync.write(blank))).toBe(true);
  });
});

/** Skia and Chart.js are loaded on the first chart only: no other module imports them (idle memory). */
describe('chart libraries stay lazy', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? (name === 'generated' ? [] : files(path)) : path.endsWith('.ts') ? [path] : [];
    });

  it('only chart.draw.ts imports chart.js or @napi-rs/canvas, and only chart.renderer.ts imports chart.draw (dynamically)', () => {
    const src = files(join(import.meta.dirname, '../../../../src'));
    const drawing = src.filter((f) => /from '(chart\.js|@napi-rs\/canvas)'/.test(readFileSync(f, 'utf8')));
    expect(drawing.map((f) => f.replace(/.*\/src\//, 'src/'))).toEqual(['src/adapters/charts/chart.draw.ts']);
    const importers = src.filter((f) => readFileSync(f, 'utf8').includes("chart.draw.js'"));
    expect(importers.map((f) => f.replace(/.*\/src\//, 'src/'))).toEqual(['src/adapters/charts/chart.renderer.ts']);
    expect(readFileSync(importers[0]!, 'utf8')).not.toMatch(/^import .*chart\.draw\.js'/m);
  });
});
