import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runShell } from '../../../../src/adapters/shell/shell.adapter.js';
import { ShellNotifier } from '../../../../src/adapters/shell/shell.notifier.js';
import { ReplyBuilder } from '../../../../src/core/messages/reply-builder.js';
import type { ChartSpec } from '../../../../src/core/messages/reply.js';
import type { ChatCore } from '../../../../src/core/pipeline/chat-core.js';
import { pngFacts } from '../../../support/png.js';

const CHART: ChartSpec = {
  kind: 'bar',
  title: 'Deploys per week, shop',
  labels: ['11-09', '11-16', '11-23'],
  series: [{ name: 'succeeded', values: [7, 2, 4] }],
  unit: 'deploys',
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shell-chart-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const pathIn = (text: string) => /Chart \(Deploys per week, shop\): (\S+\.png)/.exec(text)?.[1];

async function expectChartFile(path: string | undefined): Promise<void> {
  expect(path?.startsWith(`${dir}/deckhand-`)).toBe(true);
  expect(((await stat(path!)).mode & 0o777).toString(8)).toBe('600');
  const png = pngFacts(await readFile(path!));
  expect([png.width, png.height]).toEqual([1200, 675]);
  expect(png.drawn).toBeGreaterThan(20_000);
}

describe('shell charts', () => {
  it('writes the chart of a reply as a PNG file and prints its path under the text', async () => {
    const core: ChatCore = {
      handle: async () => new ReplyBuilder().text('DORA metrics of shop').chart(CHART).build(),
      commands: () => [],
      attachMessage: async () => {},
    };
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (c: Buffer) => (text += c.toString('utf8')));
    const done = runShell({ core, input, output, personId: 'alice', attachmentDir: dir });
    input.end('dora shop\n');
    await done;
    expect(text).toMatch(/^DORA metrics of shop\n\nChart \(Deploys per week, shop\): \S+\/deploys-per-week-shop\.png\n\n$/);
    await expectChartFile(pathIn(text));
  });

  it('does the same for pushes, and prints a short line when a chart cannot be drawn', async () => {
    const output = new PassThrough();
    let text = '';
    output.on('data', (c: Buffer) => (text += c.toString('utf8')));
    const notifier = new ShellNotifier({ output, attachmentDir: dir });
    await notifier.announce('shop', new ReplyBuilder().text('Weekly report').chart(CHART).build());
    await expectChartFile(pathIn(text));
    await notifier.announce('shop', { ...new ReplyBuilder().text('Broken').build(), chart: { ...CHART, labels: [] } });
    expect(text).toContain('[shop] Broken\n\nChart (Deploys per week, shop): could not be drawn.\n\n');
  });
});
