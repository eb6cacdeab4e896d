import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/bot/config.js';

const base = (extra: string, projectCost = '', hostCost = '') => `
hosts:
  docker-1: { url: unix:///var/run/docker.sock${hostCost} }
  k8s: { kind: kubernetes, inCluster: true }
projects:
  shop:${projectCost}
    environments:
      prod:
        services:
          api: { host: docker-1, container: api }
          web: { host: k8s, container: deployment/web }
${extra}`;

const problems = (text: string) => {
  try {
    parseConfig(text);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
};

describe('cost in the config', () => {
  it('has defaults without a cost section', () => {
    const c = parseConfig(base(''));
    expect(c.cost).toEqual({ byProject: {}, byHost: {}, sampleEveryMs: 300_000, idleCpuCores: 0.01, idleDays: 7, anomalyGrowth: 0.5 });
  });

  it('reads default, host and project prices and the sampler settings', () => {
    const c = parseConfig(
      base(
        'cost: { prices: { currency: USD, cpuCoreHour: 0.04 }, sampleEvery: 1m, idleCpu: 0.05, idleDays: 5, anomalyGrowthPct: 80 }',
        '\n    cost: { currency: USD, cpuCoreHour: 0.05, memoryGbHour: 0.01, storageGbMonth: 0.1 }',
        ', cost: { currency: USD, memoryGbHour: 0.02 }',
      ),
    );
    expect(c.cost).toEqual({
      prices: { currency: 'USD', cpuCoreHour: 0.04, memoryGbHour: 0, storageGbMonth: 0 },
      byProject: { shop: { currency: 'USD', cpuCoreHour: 0.05, memoryGbHour: 0.01, storageGbMonth: 0.1 } },
      byHost: { 'docker-1': { currency: 'USD', cpuCoreHour: 0, memoryGbHour: 0.02, storageGbMonth: 0 } },
      sampleEveryMs: 60_000,
      idleCpuCores: 0.05,
      idleDays: 5,
      anomalyGrowth: 0.8,
    });
  });

  it('refuses a project priced in two currencies, a bad currency and a negative price', () => {
    expect(problems(base('cost: { prices: { currency: EUR } }', '', ', cost: { currency: USD }')).join('\n')).toMatch(/projects\.shop: its services are priced in (USD and EUR|EUR and USD): one currency per project/);
    expect(problems(base('cost: { prices: { currency: dollars } }')).join('\n')).toContain('a three-letter currency code such as USD or EUR');
    expect(problems(base('cost: { prices: { cpuCoreHour: -1 } }')).join('\n')).toContain('cost.prices.cpuCoreHour');
    expect(problems(base('cost: { sampleEvery: 5s }')).join('\n')).toContain('at least 10s');
  });

  it('accepts a weekly cost report entry', () => {
    const c = parseConfig(base('reports: [{ id: shop-cost, kind: cost, project: shop, platform: telegram, chatId: "-1001", cron: "0 9 * * 1" }]'));
    expect(c.reports[0]).toMatchObject({ id: 'shop-cost', kind: 'cost' });
  });
});
