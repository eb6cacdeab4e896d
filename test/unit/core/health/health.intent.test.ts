/**
 * `health` through the real core with in-memory stores and a fixed clock: the sampler's rows, deploy history
 * and incidents become each service's score, its reasons, the trend against 30 days ago (or "none yet"),
 * the three most urgent actions, the morning report's lines, and one Telegram message for 30 services.
 */
import { describe, expect, it } from 'vitest';
import { renderTelegram, TELEGRAM_TEXT_LIMIT } from '../../../../src/adapters/telegram/telegram.renderer.js';
import { DEFAULT_COST_SETTINGS } from '../../../../src/core/cost/prices.js';
import type { EnvironmentSpec } from '../../../../src/core/domain/catalog.js';
import { scoreHealth } from '../../../../src/core/health/health-score.js';
import { healthReply } from '../../../../src/core/health/health-reply.js';
import type { ServiceHealth } from '../../../../src/core/health/health-data.js';
import type { Reply } from '../../../../src/core/messages/reply.js';
import type { Deployment } from '../../../../src/core/ports/deployment.port.js';
import { gatherMorningData } from '../../../../src/core/reports/morning-data.js';
import { buildMorningReport } from '../../../../src/core/domain/morning-report.js';
import { MemoryUsageStore } from '../../../fakes/memory-usage.js';
import { coreHarness } from '../../../support/core-harness.js';
import { days } from '../cost/cost-fixture.js';
import { WORKBOOK_BURN_RULES } from '../../../../src/core/domain/slo.js';
import { FakeTimeSeries } from '../slo/fake-timeseries.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-23T12:00:00Z');
const IMAGE_BUILT = new Date(NOW.getTime() - 100 * DAY);

type Harness = ReturnType<typeof coreHarness>;

async function deployed(h: Harness, d: { env: string; service: string; version: string; at: string; status?: Deployment['status']; kind?: Deployment['kind'] }): Promise<Deployment> {
  const at = new Date(d.at);
  const rec = await h.actions.deployments.start({
    actionId: `${d.env}-${d.service}-${d.at}`, kind: d.kind ?? 'deploy', project: 'shop', env: d.env, service: d.service, version: d.version, image: `reg/shop/${d.service}:${d.version}`,
    previousVersion: null, previousImage: null, requestedBy: 'alice', approvedBy: null, startedAt: new Date(at.getTime() - 60_000), source: 'deckhand',
  });
  await h.actions.deployments.finish(rec.id, (d.status ?? 'succeeded') as 'succeeded', at);
  return rec;
}

function sampled(usage: MemoryUsageStore, env: string, service: string, dayList: string[], restartsPerDay: number): void {
  for (const day of dayList) {
    usage.addHour({ project: 'shop', env, service, hour: new Date(`${day}T00:00:00Z`), seconds: 86_400, cpuCoreSeconds: 100, memoryByteSeconds: 1, storageByteSeconds: 0, restarts: restartsPerDay, imageCreatedAt: IMAGE_BUILT });
  }
}

/** prod/api restarts daily, runs an image 100 days old, had an incident and runs 1.4 while staging moved on to 1.5; prod/web failed one deploy of two. */
async function shop() {
  const usage = new MemoryUsageStore();
  const h = coreHarness({ cost: { usage, settings: DEFAULT_COST_SETTINGS } });
  h.setNow(NOW.toISOString());
  sampled(usage, 'prod', 'api', days('2026-11-17', 7), 1);
  sampled(usage, 'prod', 'api', days('2026-10-18', 7), 0);
  await deployed(h, { env: 'staging', service: 'api', version: '1.4', at: '2026-10-01T10:00:00Z' });
  await deployed(h, { env: 'prod', service: 'api', version: '1.4', at: '2026-10-02T10:00:00Z' });
  await deployed(h, { env: 'staging', service: 'api', version: '1.5', at: '2026-11-20T10:00:00Z' });
  await deployed(h, { env: 'prod', service: 'web', version: '3.1', at: '2026-11-10T10:00:00Z', status: 'failed' });
  await deployed(h, { env: 'prod', service: 'web', version: '3.1', at: '2026-11-11T10:00:00Z' });
  const alert = { fingerprint: 'f1', name: 'ApiErrors', status: 'firing' as const, summary: '', startsAt: new Date('2026-11-20T08:00:00Z'), endsAt: null, labels: { service: 'api', env: 'prod' } };
  const incident = await h.incidents.store.open({ project: 'shop', groupKey: 'g1', title: 'api errors', openedAt: alert.startsAt, timeline: [], alerts: [alert] });
  const resolvedAt = new Date('2026-11-20T10:00:00Z');
  await h.incidents.store.resolve(incident.id, resolvedAt, [{ ...alert, status: 'resolved', endsAt: resolvedAt }], []);
  return { ...h, usage };
}

const tables = (r: Reply) => r.blocks.flatMap((b) => (b.type === 'table' ? [b.rows] : []));
const texts = (r: Reply) => r.blocks.flatMap((b) => (b.type === 'text' ? [b.text] : []));

describe('health command', () => {
  it('scores every service with the points each signal cost, the trend and the most urgent actions', async () => {
    const h = await shop();

    const reply = await h.say('health shop', { user: '1002' }); // bob: viewer

    expect(reply.tone).toBe('warning');
    expect(reply.blocks[0]).toEqual({ type: 'header', text: 'Health of shop' });
    expect(texts(reply)[0]).toBe('3 services · 1 below 70');
    expect(tables(reply)).toEqual([
      [['api', '100', 'none yet', '-']],
      [
        // 100 - 15 (7 restarts) - 10 (staging has 1.5) - 6 (2h to restore) - 5 (an incident) - 4 (image 100 days old)
        ['api', '60', '-38', 'restarts -15, behind -10, restore -6 +2 more'],
        ['web', '85', 'none yet', 'failed deploys -15'],
      ],
    ]);
    expect(texts(reply)[1]).toBe(
      [
        'Most urgent:',
        '1. api (prod): find why api restarts: logs api prod --previous (7 restarts in 7 days, -15)',
        "2. web (prod): find why web's deploys fail: deploys shop prod (1 of 2 deploys failed (50%), -15)",
        '3. api (prod): bring api up to 1.5: promote shop staging prod api (runs 1.4, staging replaced it with 1.5, -10)',
      ].join('\n'),
    );
    const defs = reply.blocks.find((b) => b.type === 'definitions');
    expect(defs).toEqual({
      type: 'definitions',
      items: [
        { term: 'api (prod): 60', description: '7 restarts in 7 days (-15 of 15); runs 1.4, staging replaced it with 1.5 (-10 of 10); median time to restore 2h (-6 of 10); 1 incident in 30 days (-5 of 15); image built 100 days ago (-4 of 10)' },
        { term: 'web (prod): 85', description: '1 of 2 deploys failed (50%) (-15 of 15)' },
      ],
    });
    expect(reply.text).toContain('No sampler readings in 7 days of: api (staging), web (prod).');
    expect(reply.text).toContain('Weights (points a signal can cost): restarts 15, unhealthy 15, incidents 15, restore 10, failed deploys 15, image age 10, behind 10, SLO 10.');
  });

  it('shows only the environments the person may see, and refuses people without a role', async () => {
    const h = await shop();
    const carol = await h.say('health shop', { user: '1003' }); // operator on staging only
    expect(tables(carol)).toEqual([[['api', '100', 'none yet', '-']]]);
    expect(carol.text).not.toContain('prod');
    const stranger = await h.say('health shop', { user: '4242' });
    expect(stranger.tone).toBe('error');
    expect(stranger.text).not.toContain('Health of');
    const unknown = await h.say('health nope', { user: '1002' });
    expect(unknown.text).toContain('Unknown project "nope"');
  });

  it('says the sampler signals are not measured where the sampler does not run', async () => {
    const h = coreHarness();
    h.setNow(NOW.toISOString());
    const reply = await h.say('health shop prod');
    expect(tables(reply)).toEqual([[['api', '100', 'none yet', '-'], ['web', '100', 'none yet', '-']]]);
    expect(reply.tone).toBe('success');
    expect(reply.text).toContain('Restarts, unhealthy time and image age are not measured here');
  });

  it('costs the share of error budget the worst SLO spent, now and 30 days ago, and leaves it out while Prometheus is down', async () => {
    // Availability spent half its 30-day budget (0.05% errors of 0.1%), latency a fifth of its 7 days'.
    const source = new FakeTimeSeries({ '30d': 0.0005, '7d': 0.002 });
    const h = coreHarness({ configFile: new URL('../../../fixtures/config/slo.yaml', import.meta.url), slo: { source, burnRules: WORKBOOK_BURN_RULES, timeoutMs: 1000, statusTimeoutMs: 200 } });
    h.setNow(NOW.toISOString());
    await deployed(h, { env: 'prod', service: 'api', version: '1.4', at: '2026-10-01T10:00:00Z' });

    const reply = await h.say('health shop prod', { user: '1001' });

    expect(tables(reply)).toEqual([[['api', '95', '=', 'SLO -5'], ['web', '100', 'none yet', '-']]]);
    expect(reply.text).toContain('SLO availability: 50% of error budget left (-5 of 10)');
    const past = new Date(NOW.getTime() - 30 * DAY).toISOString();
    expect(new Set(source.instants.map((q) => q.at?.toISOString()))).toEqual(new Set([NOW.toISOString(), past]));

    source.down = true;
    const down = await h.say('health shop prod', { user: '1001' });
    expect(tables(down)).toEqual([[['api', '100', '=', '-'], ['web', '100', 'none yet', '-']]]);
    expect(down.text).toContain('SLOs not measured (Prometheus did not answer): api.');
  });

  it('lists the services below 70 in the morning report, one line each', async () => {
    const h = await shop();
    const envs = h.config.catalog.projects.find((p) => p.name === 'shop')!.environments;
    const report = buildMorningReport(await gatherMorningData('shop', envs, h.services));
    expect(report.text).toContain('Health below 70: 1 service ("health" says why)\nprod/api 60 (-38): restarts -15, behind -10, restore -6 +2 more');
  });

  it('fits one Telegram message for 30 services', () => {
    const env: EnvironmentSpec = { name: 'production', project: 'shop', production: true, requireApproval: true, services: [] };
    const bad = { usage: { restarts: 9, unhealthySeconds: 9000, imageCreatedAt: new Date(NOW.getTime() - 400 * DAY) }, incidents: { opened: 3, stillOpen: 1, restoreMedianMs: 9e6 }, changeFailure: { failed: 2, total: 3 }, superseded: { env: 'staging-eu', running: '2026.11.1-rc.3', newer: '2026.11.20-rc.1' }, slos: [{ name: 'availability-99', left: -1 }] };
    const scored: ServiceHealth[] = Array.from({ length: 30 }, (_, i) => {
      const target = { project: 'shop', env: env.name, service: `service-with-long-name-${i}` };
      return { env: env.name, service: target.service, health: scoreHealth(bad, NOW, target), past: scoreHealth(bad, NOW, target) };
    });
    const messages = renderTelegram(healthReply('shop', [env], scored, { sampled: true }));
    expect(messages).toHaveLength(1);
    expect(messages[0]!.text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
  });
});
