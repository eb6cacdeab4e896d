import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/bot/config.js';
import { WORKBOOK_BURN_RULES } from '../../../src/core/domain/slo.js';

const withService = (service: string, extra = '') => `hosts:
  d1: { url: unix:///var/run/docker.sock }
projects:
  shop:
    environments:
      prod:
        services:
          api:
            host: d1
            container: api
${service
  .split('\n')
  .map((l) => `            ${l}`)
  .join('\n')}
${extra}`;

const PROM = 'prometheus: { url: "http://prom:9090" }';

function problems(yaml: string): string[] {
  try {
    parseConfig(yaml, 'deckhand.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('config was accepted');
}

describe('config: prometheus, SLOs and golden signals', () => {
  it('reads SLOs, signals and the workbook burn rules by default', () => {
    const c = parseConfig(readFileSync(new URL('../../fixtures/config/slo.yaml', import.meta.url), 'utf8'));
    const api = c.catalog.projects[0]!.environments[1]!.services[0]!;
    expect(api.slos).toEqual([
      {
        name: 'availability',
        objective: 0.999,
        windowMs: 30 * 86_400_000,
        sli: { kind: 'ratio', good: 'sum(rate(http_requests_total{job="api",code!~"5.."}[{{window}}]))', total: 'sum(rate(http_requests_total{job="api"}[{{window}}]))' },
      },
      {
        name: 'latency',
        objective: 0.99,
        windowMs: 7 * 86_400_000,
        sli: { kind: 'latency', query: expect.stringContaining('histogram_quantile(0.99'), thresholdMs: 300, unit: 'seconds', sliceMs: 60_000 },
      },
    ]);
    expect(api.signals).toEqual({ traffic: 'traffic_api', errors: 'errors_api', latency: 'latency_api', saturation: 'saturation_api' });
    expect(c.prometheus).toEqual({ url: 'http://prometheus.test:9090', timeoutMs: 3000, statusTimeoutMs: 2000, evaluateEveryMs: 60_000, burnRules: [...WORKBOOK_BURN_RULES] });
    expect(parseConfig(withService('image: x')).prometheus).toBeUndefined();
  });

  it('takes burn rules with short windows (tests) and checks them', () => {
    const c = parseConfig(withService('image: x', `prometheus:\n  url: http://prom:9090\n  evaluateEvery: 2s\n  burnAlerts:\n    - { burnRate: 14.4, longWindow: 20s, shortWindow: 5s }\n`));
    expect(c.prometheus!.burnRules).toEqual([{ severity: 'page', factor: 14.4, longMs: 20_000, shortMs: 5_000 }]);
    expect(c.prometheus!.evaluateEveryMs).toBe(2000);
    expect(problems(withService('image: x', `prometheus:\n  url: http://prom:9090\n  burnAlerts:\n    - { burnRate: 6, longWindow: 5m, shortWindow: 1h }\n`))).toEqual([
      'line 15: prometheus.burnAlerts.0.shortWindow: expected a shortWindow shorter than the longWindow',
    ]);
  });

  it('says what an SLO lacks or has too much of', () => {
    const slo = (body: string) => problems(withService(`slos:\n  - { name: a, ${body} }`, PROM));
    expect(slo('objective: 99.9')).toEqual([expect.stringContaining('an SLI: `good:` and `total:` (two PromQL expressions), or `latency: {query, under}`, one of them')]);
    expect(slo('objective: 99.9, good: "g[{{window}}]", total: "t[{{window}}]", latency: { query: "q[{{window}}]", under: 300 }')).toEqual([expect.stringContaining('one of them')]);
    expect(slo('objective: 99.9, good: "sum(rate(ok[5m]))", total: "t[{{window}}]"')).toEqual([
      expect.stringContaining('slos.0.good: expected a PromQL expression with {{window}} where the range goes'),
    ]);
    expect(slo('objective: 100, good: "g[{{window}}]", total: "t[{{window}}]"')).toEqual([expect.stringContaining('a percentage below 100, such as 99.9')]);
  });

  it('refuses SLOs and signals without prometheus.url, and an SLO name used twice', () => {
    expect(problems(withService('slos:\n  - { name: a, objective: 99, good: "g[{{window}}]", total: "t[{{window}}]" }\nsignals: { traffic: "x" }'))).toEqual([
      expect.stringContaining('services.api.slos: SLOs are read from Prometheus: set prometheus.url'),
      expect.stringContaining('services.api.signals: golden signals are read from Prometheus: set prometheus.url'),
    ]);
    const twice = 'slos:\n  - { name: a, objective: 99, good: "g[{{window}}]", total: "t[{{window}}]" }\n  - { name: a, objective: 98, good: "g[{{window}}]", total: "t[{{window}}]" }';
    expect(problems(withService(twice, PROM))).toEqual([expect.stringContaining('slos.1.name: SLO a is declared twice')]);
  });
});
