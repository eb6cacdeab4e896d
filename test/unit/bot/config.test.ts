import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/bot/config.js';

const base = `hosts:
  d1: { url: unix:///var/run/docker.sock }
projects:
  shop:
    environments:
      prod:
        production: true
        services:
          api: { host: d1, labels: { app: api } }
people:
  - { id: alice, telegram: 42, roles: [{ role: admin, project: shop }] }
`;

function problems(yaml: string): string[] {
  try {
    parseConfig(yaml, 'deckhand.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('config was accepted');
}

describe('config', () => {
  it('builds the catalog with defaults', () => {
    const c = parseConfig(base);
    expect(c.catalog.projects[0]!.environments[0]!.services[0]).toEqual({ name: 'api', project: 'shop', env: 'prod', host: 'd1', selector: { name: undefined, labels: { app: 'api' } }, image: undefined });
    expect(c.catalog.people[0]).toMatchObject({ id: 'alice', name: 'alice', accounts: { telegram: '42', shell: 'alice' }, roles: [{ role: 'admin', project: 'shop', env: '*' }] });
    expect(c.limits).toEqual({ maxLogLines: 500, defaultLogLines: 50, inlineLogLines: 40, hostTimeoutMs: 3000 });
  });

  it('names the line, the path and what was expected', () => {
    expect(problems(base.replace('host: d1', 'host: d9'))).toEqual(['line 9: projects.shop.environments.prod.services.api.host: unknown host "d9" (hosts: d1)']);
    expect(problems(base.replace('role: admin', 'role: boss'))).toEqual([
      'line 11: people.0.roles.0.role: Invalid option: expected one of "viewer"|"operator"|"admin"',
    ]);
    expect(problems(base.replace('labels: { app: api }', 'image: x'))).toEqual([
      'line 9: projects.shop.environments.prod.services.api: expected a container selector: `container: <name>` or `labels: {key: value}`',
    ]);
    expect(problems(`${base}colour: blue\n`)).toEqual(['line 1: (top level): unknown key(s) colour']);
  });

  it('reports YAML syntax errors with the line', () => {
    expect(problems('hosts: [\n')[0]).toMatch(/^line \d+: /);
  });

  it('checks rotations against people and time zones', () => {
    const yaml = `${base}rotations:\n  - { project: shop, timezone: Mars/Olympus, handoff: "25:00", start: 2026-01-01, members: [zed] }\n`;
    const p = problems(yaml);
    expect(p).toContain('line 13: rotations.0.timezone: expected an IANA time zone such as Europe/Berlin or UTC');
    expect(p).toContain('line 13: rotations.0.handoff: expected a local time HH:MM such as 09:00');
  });
});

describe('config: incidents and on-call', () => {
  it('defaults the incident settings and reads the alertmanager section', () => {
    expect(parseConfig(base).incidents).toEqual({
      projectLabel: 'project', serviceLabel: 'service', envLabel: 'env', silenceMs: 3_600_000, escalateAfterMs: 600_000, linkDeployWithinMs: 3_600_000,
    });
    const c = parseConfig(`${base}alertmanager: { url: "http://am:9093", silence: 2h, escalateAfter: 5m, serviceLabel: job }\n`);
    expect(c.alertmanager.url).toBe('http://am:9093');
    expect(c.incidents).toMatchObject({ silenceMs: 7_200_000, escalateAfterMs: 300_000, serviceLabel: 'job' });
  });

  it('says what is wrong with bad alertmanager settings', () => {
    const p = problems(`${base}alertmanager: { url: "am:9093", escalateAfter: soon, envLabel: "my-env" }\n`);
    expect(p).toContain('line 12: alertmanager.url: expected an http(s) URL such as http://alertmanager:9093');
    expect(p).toContain('line 12: alertmanager.escalateAfter: expected a duration such as 30s, 5m or 2h');
    expect(p).toContain('line 12: alertmanager.envLabel: expected a Prometheus label name');
  });

  it('checks secondaries against people', () => {
    const yaml = `${base}rotations:\n  - { project: shop, timezone: UTC, handoff: "09:00", start: 2026-01-01, members: [alice], secondaries: [zed] }\n`;
    expect(problems(yaml)).toEqual(['line 13: rotations.0.secondaries.0: unknown person "zed" (people: alice)']);
    const ok = parseConfig(yaml.replace('[zed]', '[alice]'));
    expect(ok.catalog.rotations[0]!.secondaries).toEqual(['alice']);
  });
});

describe('config: github mapping', () => {
  it('checks that mapped services and deploy workflows exist', () => {
    const yaml = `${base}github:
  repos:
    acme/shop:
      environments:
        production: { project: shop, env: prod, service: api }
        staging: { project: shop, env: staging, service: api }
      deployWorkflows:
        .github/workflows/deploy.yml: production
        .github/workflows/preview.yml: preview
`;
    expect(problems(yaml)).toEqual([
      'line 17: github.repos.acme/shop.environments.staging: no service api in shop/staging',
      'line 20: github.repos.acme/shop.deployWorkflows..github/workflows/preview.yml: environment "preview" is not mapped under environments',
    ]);
  });
});

describe('config: scheduled reports', () => {
  it('accepts a report and checks its project, platform, id and cron', () => {
    const ok = parseConfig(`${base}reports:\n  - { id: shop-morning, project: shop, platform: telegram, chatId: "-100500", cron: "0 9 * * 1-5", timezone: Europe/Berlin }\n`);
    expect(ok.reports).toEqual([{ id: 'shop-morning', project: 'shop', platform: 'telegram', chatId: '-100500', cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' }]);
    const p = problems(`${base}reports:
  - { id: a, project: shop, platform: telegram, chatId: "1", cron: "every morning" }
  - { id: a, project: shoe, platform: slack, chatId: C1, cron: "0 9 * * *" }
`);
    expect(p).toEqual(['line 13: reports.0.cron: expected a cron pattern such as "0 9 * * 1-5"']);
    expect(problems(`${base}reports:
  - { id: a, project: shop, platform: telegram, chatId: "1", cron: "0 9 * * *" }
  - { id: a, project: shoe, platform: slack, chatId: C1, cron: "0 9 * * *" }
`)).toEqual(['line 14: reports.1.project: unknown project "shoe"', 'line 14: reports.1.id: id a is used twice']);
  });
});

describe('config: host deadlines', () => {
  it('reads a per-host action timeout next to the query timeout and checks it', () => {
    const yaml = base.replace('d1: { url: unix:///var/run/docker.sock }', 'd1: { url: unix:///var/run/docker.sock, timeoutMs: 2500, actionTimeoutMs: 45000 }');
    expect(parseConfig(yaml).hosts.d1).toEqual({ url: 'unix:///var/run/docker.sock', timeoutMs: 2500, actionTimeoutMs: 45000 });
    expect(parseConfig(base).hosts.d1?.actionTimeoutMs).toBeUndefined();
    const bad = problems(base.replace('d1: { url: unix:///var/run/docker.sock }', 'd1: { url: unix:///var/run/docker.sock, actionTimeoutMs: soon }'));
    expect(bad).toEqual([expect.stringMatching(/^line 2: hosts\.d1\.actionTimeoutMs: /)]);
  });
});

describe('config: where a service runs', () => {
  it('accepts target: in place of host:, for the same host', () => {
    const viaHost = parseConfig(base).catalog.projects[0]!.environments[0]!.services[0];
    const viaTarget = parseConfig(base.replace('host: d1', 'target: d1')).catalog.projects[0]!.environments[0]!.services[0];
    expect(viaTarget).toEqual(viaHost);
    expect(viaTarget?.host).toBe('d1');
    expect(problems(base.replace('host: d1', 'target: d9'))).toEqual(['line 9: projects.shop.environments.prod.services.api.target: unknown host "d9" (hosts: d1)']);
  });

  it('accepts a host that names its kind, docker', () => {
    const c = parseConfig(base.replace('d1: { url:', 'd1: { kind: docker, url:'));
    expect(c.hosts.d1).toMatchObject({ kind: 'docker', url: 'unix:///var/run/docker.sock' });
    expect(c.catalog.hosts).toEqual(['d1']);
  });

  it('refuses a service that names both host: and target:, saying to pick one', () => {
    expect(problems(base.replace('host: d1', 'host: d1, target: d1'))).toEqual([
      'line 9: projects.shop.environments.prod.services.api: expected where the service runs: `target: <host>` (or `host: <host>`), one of them',
    ]);
  });

  it('refuses a host of an unknown kind, naming the field and the kinds there are', () => {
    expect(problems(base.replace('d1: { url:', 'd1: { kind: nomad, url:'))).toEqual(['line 2: hosts.d1.kind: expected one of: docker, kubernetes (a host without kind: is docker)']);
  });
});
