import { describe, expect, it } from 'vitest';
import { previousFireTime } from '../../../../src/adapters/bullmq/report-scheduler.js';
import type { CoreServices } from '../../../../src/core/services.js';
import type { Platform } from '../../../../src/core/messages/inbound.js';
import type { Block, Reply } from '../../../../src/core/messages/reply.js';
import { silentLogger } from '../../../../src/core/ports/logger.port.js';
import { noopMetrics } from '../../../../src/core/ports/metrics.port.js';
import { platformIds } from '../../../../src/adapters/platforms.js';
import { reportScheduleSchemaFor, type ReportSchedule } from '../../../../src/core/reports/scheduled-report.js';
import { createMorningReportRun } from '../../../../src/jobs/morning-report.schedule.js';
import { coreHarness } from '../../../support/core-harness.js';

/** Monday 2026-11-23 09:00 in Berlin; the previous weekday fire time is Friday 2026-11-20 09:00 Berlin. */
const FIRED = new Date('2026-11-23T08:00:00Z');
const reportScheduleSchema = reportScheduleSchemaFor(platformIds);
const schedule: ReportSchedule = reportScheduleSchema.parse({ id: 'shop-morning', project: 'shop', platform: 'slack', chatId: 'C0SHOP', cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' });
let seq = 0;

function setup() {
  const h = coreHarness();
  const services: CoreServices = {
    catalog: h.config.catalog,
    runtimes: h.runtimes,
    clock: { now: () => new Date('2026-11-23T08:00:02Z') },
    logger: silentLogger,
    metrics: noopMetrics,
    limits: h.config.limits,
    actions: h.actions,
    incidents: h.incidents,
    unit: h.services.unit,
  };
  const sent: { platform: Platform; chatId: string; reply: Reply }[] = [];
  const run = createMorningReportRun({
    services,
    sendTo: async (platform, chatId, reply) => void sent.push({ platform, chatId, reply }),
    previousFire: previousFireTime,
  });
  const deployed = async (version: string, finished: string, status: 'succeeded' | 'failed' = 'succeeded') => {
    const d = await h.actions.deployments.start({
      actionId: `s${++seq}`, kind: 'deploy', project: 'shop', env: 'prod', service: 'api', version, image: `reg/shop/api:${version}`,
      previousVersion: '1.0.0', previousImage: null, requestedBy: 'alice', approvedBy: null, startedAt: new Date(Date.parse(finished) - 60_000), source: 'deckhand',
    });
    await h.actions.deployments.finish(d.id, status, new Date(finished));
  };
  h.runtimes.get('docker-1').add({ name: 'shop-api-1', labels: { app: 'shop-api', env: 'prod' }, health: 'healthy' });
  h.runtimes.get('docker-1').add({ name: 'shop-api-s', labels: { app: 'shop-api', env: 'staging' } });
  h.runtimes.get('docker-2').add({ name: 'shop-web-prod' });
  return { run, sent, deployed };
}

const texts = (reply: Reply) => reply.blocks.filter((b): b is Extract<Block, { type: 'text' }> => b.type === 'text').map((b) => b.text);
const tableRows = (reply: Reply) => reply.blocks.flatMap((b) => (b.type === 'table' ? b.rows : []));

describe('scheduled morning report run', () => {
  it('takes the previous fire time of the cron in its time zone (Monday → Friday for weekdays)', () => {
    expect(previousFireTime(schedule, FIRED).toISOString()).toBe('2026-11-20T08:00:00.000Z');
    expect(previousFireTime({ cron: '*/5 * * * * *', timezone: 'UTC' }, new Date('2026-11-23T08:00:10Z')).toISOString()).toBe('2026-11-23T08:00:05.000Z');
  });

  it('builds the project report with the deploys since the previous fire time and sends it to the one chat', async () => {
    const { run, sent, deployed } = setup();
    await deployed('1.1.0', '2026-11-20T07:59:00Z'); // before Friday's report: not listed
    await deployed('1.2.0', '2026-11-21T10:00:00Z', 'failed'); // Saturday: more than 24 h ago, listed since Friday
    await deployed('1.3.0', '2026-11-23T07:30:00Z');

    await run(schedule, FIRED);

    expect(sent).toHaveLength(1);
    const [{ platform, chatId, reply }] = sent as [(typeof sent)[number]];
    expect({ platform, chatId }).toEqual({ platform: 'slack', chatId: 'C0SHOP' });
    expect(reply.tone).toBe('warning'); // a deploy failed since the previous report
    expect(reply.text).toContain('Morning report: shop');
    expect(texts(reply)).toContain('Services: all 3 services healthy');
    expect(texts(reply).find((t) => t.startsWith('Deploys since'))).toMatch(/^Deploys since .*20.* 09:00.*: 2 \(1 failed\)$/);
    const versions = tableRows(reply).map((r) => r[4]);
    expect(versions).toEqual(['1.0.0 → 1.2.0', '1.0.0 → 1.3.0']);
  });

  it('refuses a project the catalog does not know and sends nothing', async () => {
    const { run, sent } = setup();
    await expect(run({ ...schedule, project: 'nope' }, FIRED)).rejects.toThrow('unknown project nope');
    expect(sent).toEqual([]);
  });

  it('validates schedule entries', () => {
    expect(reportScheduleSchema.safeParse({ ...schedule, timezone: 'Mars/Base' }).success).toBe(false);
    expect(reportScheduleSchema.safeParse({ ...schedule, id: 'a:b' }).success).toBe(false);
    expect(reportScheduleSchema.safeParse({ ...schedule, platform: 'irc' }).success).toBe(false);
    expect(reportScheduleSchema.parse({ id: 'x', project: 'shop', platform: 'telegram', chatId: '-100500', cron: '0 9 * * *' }).timezone).toBe('UTC');
  });
});
