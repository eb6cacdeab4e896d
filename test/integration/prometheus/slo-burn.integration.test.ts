/**
 * SLOs on a real Prometheus (scripts/ci/setup-prometheus.sh: 127.0.0.1:19090, scraping 127.0.0.1:19095
 * every second). The test serves that exporter itself, with request counters it drives: good traffic, then
 * half of it failing (a burn far above the page threshold), then good again. Burn-rate alerts evaluated on
 * real PromQL open one incident (incidents in PostgreSQL), posted through the Telegram delivery (grammY's
 * client, the Bot API intercepted) with the usual buttons, and resolve it once the short window stops
 * burning; a latency objective (p99 under 300 ms per 3-second slice, from a histogram) does the same on
 * its own incident. `slo` and the golden signals of `status` read the same series. Windows are seconds long here
 * (configurable for that); the defaults stay the workbook's.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaledTimers } from '../../../src/adapters/notifier/delivery.timers.js';
import { createNotifier } from '../../../src/adapters/notifier/notifier.router.js';
import { PrismaAuditLog } from '../../../src/adapters/prisma/audit.repository.js';
import { PrismaIncidentStore } from '../../../src/adapters/prisma/incident.repository.js';
import { PrismaPostedMessages } from '../../../src/adapters/prisma/posted-message.repository.js';
import { createPrometheusClient } from '../../../src/adapters/prometheus/prometheus.client.js';
import type { ServiceSpec } from '../../../src/core/domain/catalog.js';
import type { BurnRule, SloSpec } from '../../../src/core/domain/slo.js';
import type { AlertProcessorDeps } from '../../../src/core/incidents/alert-notification.js';
import { systemClock } from '../../../src/core/ports/clock.port.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { burnGroupKey, evaluateBurnAlerts, type BurnAlertDeps } from '../../../src/core/slo/burn-alerts.js';
import { readGoldenSignals, signalCells } from '../../../src/core/slo/golden-signals.js';
import type { SloServices } from '../../../src/core/slo/slo-assessment.js';
import { sloReply } from '../../../src/core/slo/slo-report.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { testTelegramDelivery } from '../../support/started-delivery.js';
import { TOKEN, createBotApi } from '../../unit/adapters/telegram/bot-api.fake.js';
import { prismaUnit } from '../../support/prisma-unit.js';

const PROMETHEUS = 'http://127.0.0.1:19090';
const EXPORTER_PORT = 19095;
const SETUP = fileURLToPath(new URL('../../../scripts/ci/setup-prometheus.sh', import.meta.url));
/** Labels the series of this run apart from earlier runs' (Prometheus keeps them). */
const RUN = randomBytes(4).toString('hex');
const sel = (extra = '') => `deckhand_slo_test_requests_total{run="${RUN}"${extra}}`;
const BUCKETS = `deckhand_slo_test_duration_seconds_bucket{run="${RUN}"}`;

// The exporter's counters, driven by the test.
const counters = { good: 0, bad: 0 };
let ratePerTick = { good: 20, bad: 0 };
let exporter: Server;
let ticker: NodeJS.Timeout;

const SLO: SloSpec = {
  name: 'availability',
  objective: 0.99,
  windowMs: 120_000,
  sli: { kind: 'ratio', good: `sum(rate(${sel(',code="200"')}[{{window}}]))`, total: `sum(rate(${sel()}[{{window}}]))` },
};
/** p99 at or under 300 ms in 99% of 3-second slices; the failing requests are slow too (0.1 s to 0.5 s). */
const LATENCY: SloSpec = {
  name: 'latency',
  objective: 0.99,
  windowMs: 120_000,
  sli: { kind: 'latency', query: `histogram_quantile(0.99, sum by (le) (rate(${BUCKETS}[{{window}}])))`, thresholdMs: 300, unit: 'seconds', sliceMs: 3000 },
};
const RULES: BurnRule[] = [{ severity: 'page', factor: 14.4, longMs: 20_000, shortMs: 5_000 }];
const service: ServiceSpec = {
  name: 'api',
  project: 'shop',
  env: 'prod',
  host: 'local',
  selector: { name: 'api' },
  slos: [SLO, LATENCY],
  signals: {
    traffic: `sum(rate(${sel()}[5s]))`,
    errors: `sum(rate(${sel(',code="500"')}[5s])) / sum(rate(${sel()}[5s]))`,
    saturation: `vector(0.42)`,
  },
};
const catalog = { projects: [{ name: 'shop', environments: [{ name: 'prod', project: 'shop', production: true, requireApproval: true, services: [service] }] }] };
const settings = { projectLabel: 'project', serviceLabel: 'service', envLabel: 'env', silenceMs: 3_600_000 };

const msw = setupServer();
const api = createBotApi();
let db: TestDatabase;
let deps: BurnAlertDeps;
let store: PrismaIncidentStore;
let slo: SloServices;

beforeAll(async () => {
  exporter = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(
      [
        '# TYPE deckhand_slo_test_requests_total counter',
        `deckhand_slo_test_requests_total{run="${RUN}",code="200"} ${counters.good}`,
        `deckhand_slo_test_requests_total{run="${RUN}",code="500"} ${counters.bad}`,
        '# TYPE deckhand_slo_test_duration_seconds histogram',
        `deckhand_slo_test_duration_seconds_bucket{run="${RUN}",le="0.1"} ${counters.good}`,
        `deckhand_slo_test_duration_seconds_bucket{run="${RUN}",le="0.5"} ${counters.good + counters.bad}`,
        `deckhand_slo_test_duration_seconds_bucket{run="${RUN}",le="+Inf"} ${counters.good + counters.bad}`,
        `deckhand_slo_test_duration_seconds_count{run="${RUN}"} ${counters.good + counters.bad}`,
        '',
      ].join('\n'),
    );
  });
  await new Promise<void>((resolve) => exporter.listen(EXPORTER_PORT, '127.0.0.1', resolve));
  ticker = setInterval(() => {
    counters.good += ratePerTick.good;
    counters.bad += ratePerTick.bad;
  }, 100);
  execFileSync(SETUP, [], { stdio: 'pipe', timeout: 180_000 });

  msw.listen({ onUnhandledRequest: 'error' });
  msw.use(api.handler, http.all(`${PROMETHEUS}/*`, () => passthrough()));
  db = await createTestDatabase('slo_burn');
  store = new PrismaIncidentStore(db.prisma);
  const delivery = testTelegramDelivery({ token: TOKEN, posted: new PrismaPostedMessages(db.prisma), chatsFor: () => ['-1001'], logger: silentLogger, timers: scaledTimers(40) });
  const notifier = createNotifier({ telegram: delivery.queue }, silentLogger);
  slo = { source: createPrometheusClient({ url: PROMETHEUS, timeoutMs: 3000 }), burnRules: RULES, timeoutMs: 3000, statusTimeoutMs: 2000 };
  const alerts: AlertProcessorDeps = {
    incidents: store,
    notifier,
    unit: prismaUnit(db.prisma, notifier),
    audit: new PrismaAuditLog(db.prisma),
    clock: systemClock,
    logger: silentLogger,
    projectLabel: 'project',
    projects: new Set(['shop']),
    nameOf: (id) => id,
    catalog,
    settings,
  };
  deps = { slo, catalog, alerts, settings, clock: systemClock, logger: silentLogger };
}, 200_000);

afterAll(async () => {
  clearInterval(ticker);
  msw.close();
  await new Promise((r) => exporter?.close(r));
  await db?.drop();
});

/** Runs `probe` every 500 ms until it returns a value (real Prometheus: scrapes land every second). */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const texts = (method: string) => api.bodies(method).map((b) => String(b['text']));

describe('SLO burn-rate alerts on a real Prometheus', () => {
  it('opens one incident per burning SLO (events and latency) and resolves each when the burn stops', async () => {
    // Given good traffic only, scraped for a while: measured, nothing burns.
    const healthy = await waitFor('a measured, healthy SLO', async () => {
      const run = await evaluateBurnAlerts(deps);
      return run.measured === 2 && run.failed === 0 ? run : undefined;
    });
    expect(healthy).toMatchObject({ burning: 0, opened: 0 });
    expect(await store.openIncidents(['shop'])).toEqual([]);

    // When half the requests fail (error ratio 0.5: a burn of 50x against a 1% budget).
    ratePerTick = { good: 10, bad: 10 };
    // Both SLOs burn (the failing requests are slow): each opens its own incident, once.
    await waitFor('both burn-rate incidents', async () => {
      await evaluateBurnAlerts(deps);
      return (await store.openIncidents(['shop'])).length === 2 ? true : undefined;
    });
    const incident = (await store.findOpen('shop', burnGroupKey(service, SLO)))!;
    const slow = (await store.findOpen('shop', burnGroupKey(service, LATENCY)))!;
    expect(slow.title).toBe('ErrorBudgetBurn (service=api, env=prod, slo=latency)');
    expect(incident.title).toBe('ErrorBudgetBurn (service=api, env=prod, slo=availability)');
    expect(incident.timeline[0]!.text).toBe('Incident opened by an SLO burn-rate alert');
    expect(incident.alerts).toHaveLength(1);
    // A 2-minute window of seconds of traffic is spent at once; either way the line says how fast it burns.
    expect(incident.alerts[0]!.summary).toMatch(
      /^(At this rate the 2-minute error budget is gone in \d+ seconds?|The 2-minute error budget is spent; at this rate a whole one lasts \d+ seconds?) · \d+(\.\d+)?x over 20s, \d+(\.\d+)?x over 5s \(page above 14\.4x\)$/,
    );

    // Then the alert message goes out through the delivery, with the usual buttons.
    const sent = await waitFor('the alert message', async () => api.bodies('sendMessage').find((b) => String(b['text']).includes('slo=availability')));
    expect(String(sent['text'])).toContain('FIRING (1): ErrorBudgetBurn (service=api, env=prod, slo=availability) — shop');
    expect(String(sent['text'])).toMatch(/at this rate .*(is gone in|lasts) \d+ seconds?/i);
    const buttons = (sent['reply_markup'] as { inline_keyboard: { text: string }[][] }).inline_keyboard.flat().map((b) => b.text);
    expect(buttons).toEqual(['Acknowledge', 'Silence 1h', 'Restart api']);

    // And evaluating again while it still burns opens nothing new (one burn, one incident).
    const again = await evaluateBurnAlerts(deps);
    expect(again).toMatchObject({ burning: 2, opened: 0, resolved: 0 });
    expect((await store.openIncidents(['shop'])).map((i) => i.id).sort()).toEqual([incident.id, slow.id].sort());

    // `slo` reads the same series: the budget is being spent, the burn is above the threshold.
    const reply = await sloReply({ slo, clock: systemClock, logger: silentLogger }, 'shop', catalog.projects[0]!.environments);
    expect(reply.text).toContain('api availability: 99% over 2m');
    expect(reply.text).toMatch(/attained \d+(\.\d+)?% · budget (left \d+(\.\d+)?% \([\d.]+ of 1\.2 s\)|overspent by [\d.]+% \([\d.]+ s over 1\.2 s\))/);
    expect(reply.text).toMatch(/burn 20s \d+(\.\d+)?x/);
    expect(reply.text).toContain('⚠️ burning above 14.4x over 20s and 5s (page)');
    expect(reply.text).toMatch(/api latency: 99% over 2m\nattained \d+(\.\d+)?% · budget/);
    expect(reply.chart).toMatchObject({ kind: 'line', unit: '%', title: 'Error budget left over 2m' });
    expect(reply.chart!.labels).toHaveLength(30);
    const values = reply.chart!.series[0]!.values.filter((v): v is number => v !== null);
    expect(values[values.length - 1]!).toBeLessThan(values[0]!);

    // The golden signals of status: traffic, the error rate near 50%, the constant saturation.
    const signals = (await readGoldenSignals(slo, [service]))!;
    expect(signals.problem).toBeUndefined();
    const [traffic, errors, p99, saturation] = signalCells(signals.values.get(service)!);
    expect(traffic).toMatch(/^\d+(\.\d)?\/s$/);
    expect(Number(errors!.replace('%', ''))).toBeGreaterThan(20);
    expect([p99, saturation]).toEqual(['-', '42%']);

    // When the failures stop, the short window stops burning within seconds: the incident resolves.
    ratePerTick = { good: 20, bad: 0 };
    await waitFor('both resolutions', async () => {
      await evaluateBurnAlerts(deps);
      return (await store.openIncidents(['shop'])).length === 0 ? true : undefined;
    });
    expect(await store.get(incident.id)).toMatchObject({ status: 'resolved' });
    expect(await store.get(slow.id)).toMatchObject({ status: 'resolved' });
    await waitFor('the postmortem', async () => (texts('sendMessage').some((t) => t.includes(`Postmortem draft: incident ${incident.id}`)) ? true : undefined));
    await waitFor('the resolved edit', async () => (texts('editMessageText').some((t) => t.includes('RESOLVED: ErrorBudgetBurn (service=api, env=prod, slo=availability)')) ? true : undefined));
    // Nothing fires any more, so the next run opens nothing.
    expect(await evaluateBurnAlerts(deps)).toMatchObject({ burning: 0, opened: 0, resolved: 0 });
  }, 150_000);
});
