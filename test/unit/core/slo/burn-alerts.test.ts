import { describe, expect, it } from 'vitest';
import type { ServiceSpec } from '../../../../src/core/domain/catalog.js';
import type { SloSpec } from '../../../../src/core/domain/slo.js';
import { WORKBOOK_BURN_RULES } from '../../../../src/core/domain/slo.js';
import { silentLogger } from '../../../../src/core/ports/logger.port.js';
import { burnGroupKey, evaluateBurnAlerts, type BurnAlertDeps } from '../../../../src/core/slo/burn-alerts.js';
import { MemoryAuditLog } from '../../../fakes/memory-audit.js';
import { MemoryIncidentStore } from '../../../fakes/memory-incidents.js';
import { RecordingNotifier } from '../../../fakes/memory-stores.js';
import { FakeTimeSeries } from './fake-timeseries.js';
import { MemoryUnitOfWork } from '../../../fakes/memory-unit-of-work.js';

const T0 = new Date('2026-12-01T12:00:00Z');
const DAY = 86_400_000;

const slo: SloSpec = { name: 'availability', objective: 0.999, windowMs: 30 * DAY, sli: { kind: 'ratio', good: 'g[{{window}}]', total: 't[{{window}}]' } };
const service: ServiceSpec = { name: 'api', project: 'shop', env: 'prod', host: 'local', selector: { name: 'api' }, image: 'reg/shop/api', slos: [slo] };
const catalog = { projects: [{ name: 'shop', environments: [{ name: 'prod', project: 'shop', production: true, requireApproval: true, services: [service] }] }] };
const settings = { projectLabel: 'project', serviceLabel: 'service', envLabel: 'env', silenceMs: 3_600_000 };

/** Error ratios per window: 1.8% over 1h and 5m burns 18x (a page), nothing over 6h/30m. */
const BURNING = { '30d': 0.0005, '1h': 0.018, '5m': 0.018, '6h': 0.002, '30m': 0.002 };
const CALM = { '30d': 0.0005, '1h': 0.018, '5m': 0.0001, '6h': 0.002, '30m': 0.0001 };

function setup() {
  let now = T0;
  const clock = { now: () => now };
  const incidents = new MemoryIncidentStore();
  const notifier = new RecordingNotifier();
  const audit = new MemoryAuditLog();
  const source = new FakeTimeSeries(BURNING);
  const deps: BurnAlertDeps = {
    slo: { source, burnRules: WORKBOOK_BURN_RULES, timeoutMs: 1000, statusTimeoutMs: 500 },
    catalog,
    alerts: { incidents, notifier, unit: new MemoryUnitOfWork({ incidents, notifier }), audit, clock, logger: silentLogger, projectLabel: 'project', projects: new Set(['shop']), nameOf: (id) => id, catalog, settings },
    settings,
    clock,
    logger: silentLogger,
  };
  return { deps, incidents, notifier, audit, source, later: (m: number) => (now = new Date(T0.getTime() + m * 60_000)) };
}

describe('burn-rate alerts', () => {
  it('opens one incident for a burn, with the buttons and the plain-language line, audited as the bot', async () => {
    const { deps, incidents, notifier, audit } = setup();
    expect(await evaluateBurnAlerts(deps)).toEqual({ measured: 1, burning: 1, opened: 1, resolved: 0, failed: 0 });
    const incident = (await incidents.findOpen('shop', burnGroupKey(service, slo)))!;
    expect(incident.title).toBe('ErrorBudgetBurn (service=api, env=prod, slo=availability)');
    expect(incident.alerts.map((a) => [a.status, a.labels['severity'], a.summary])).toEqual([
      ['firing', 'page', 'At this rate the 30-day error budget is gone in 20 hours · 18x over 1h, 18x over 5m (page above 14.4x)'],
    ]);
    const [post] = notifier.announcements;
    expect(post!.key).toBe(`incident:${incident.id}`);
    expect(post!.reply.text).toContain('FIRING (1): ErrorBudgetBurn (service=api, env=prod, slo=availability) — shop');
    const buttons = post!.reply.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons.map((x) => x.label) : []));
    expect(buttons).toEqual(['Acknowledge', 'Silence 1h', 'Restart api', 'Roll back api']);
    expect(audit.entries.map((e) => [e.intent, e.platform, e.platformUserId])).toEqual([['incident.opened', 'schedule', 'deckhand']]);
  });

  it('does not open a second incident or post again while the same burn goes on', async () => {
    const { deps, incidents, notifier, later } = setup();
    await evaluateBurnAlerts(deps);
    later(1);
    expect(await evaluateBurnAlerts(deps)).toMatchObject({ burning: 1, opened: 0, resolved: 0 });
    later(2);
    await evaluateBurnAlerts(deps);
    expect(await incidents.openIncidents(['shop'])).toHaveLength(1);
    expect(notifier.announcements).toHaveLength(1);
  });

  it('resolves the incident with its postmortem when the short window stops burning', async () => {
    const { deps, incidents, notifier, source, later } = setup();
    await evaluateBurnAlerts(deps);
    const id = (await incidents.findOpen('shop', burnGroupKey(service, slo)))!.id;
    source.byWindow = CALM;
    later(5);
    expect(await evaluateBurnAlerts(deps)).toMatchObject({ burning: 0, resolved: 1 });
    const done = (await incidents.get(id))!;
    expect(done.status).toBe('resolved');
    expect(done.resolvedAt).toEqual(new Date(T0.getTime() + 5 * 60_000));
    expect(done.timeline.map((e) => e.kind)).toEqual(['opened', 'firing', 'resolved', 'closed']);
    expect(notifier.announcements.map((a) => a.reply.text.split('\n')[0])).toEqual([
      expect.stringContaining('FIRING (1)'),
      expect.stringContaining('RESOLVED'),
      `Postmortem draft: incident ${id}`,
    ]);
    // Quiet afterwards: nothing fires, nothing is open, nothing is posted.
    later(6);
    expect(await evaluateBurnAlerts(deps)).toMatchObject({ burning: 0, opened: 0, resolved: 0 });
    expect(notifier.announcements).toHaveLength(3);
  });

  it('adds the second rule to the open incident when the slow burn fires too', async () => {
    const { deps, incidents, source, later } = setup();
    await evaluateBurnAlerts(deps);
    source.byWindow = { ...BURNING, '6h': 0.007, '30m': 0.008 };
    later(1);
    await evaluateBurnAlerts(deps);
    const open = await incidents.openIncidents(['shop']);
    expect(open).toHaveLength(1);
    expect(open[0]!.alerts.map((a) => a.summary.split(' · ')[1])).toEqual(['18x over 1h, 18x over 5m (page above 14.4x)', '7x over 6h, 8x over 30m (page above 6x)']);
  });

  it('keeps the incident as it is while Prometheus is unreachable, and says it could not measure', async () => {
    const { deps, incidents, source, later } = setup();
    await evaluateBurnAlerts(deps);
    source.down = true;
    later(1);
    expect(await evaluateBurnAlerts(deps)).toEqual({ measured: 0, burning: 0, opened: 0, resolved: 0, failed: 1 });
    expect(await incidents.openIncidents(['shop'])).toHaveLength(1);
  });
});
