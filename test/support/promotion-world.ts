/**
 * A project of ten services in staging and prod for the promotion plan's size tests: long names, ten commits
 * each with long messages (GitHub's compare through msw), several configuration keys missing or differing
 * (with secret-looking values that must never be shown), versions that soaked too briefly.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GitHubCompare } from '../../src/adapters/github/github-compare.js';
import { REVISION_LABEL } from '../../src/core/deploys/deploy-changes.js';
import { silentLogger } from '../../src/core/ports/logger.port.js';
import type { PromotionServices } from '../../src/core/services.js';
import { coreHarness, NOW } from './core-harness.js';
import { compareHandler, comparisonPayload } from './github-compare.fake.js';

export const SERVICES = Array.from({ length: 10 }, (_, i) => `payments-reconciliation-${String(i + 1).padStart(2, '0')}`);
/** Values that must appear in no reply, push or log. */
export const SECRET_VALUES = SERVICES.flatMap((_, i) => [`s3cr3t-staging-${i}-Zq81`, `s3cr3t-prod-${i}-Yw42`, `flag-value-${i}-only-in-staging`]);

const sha = (side: string, i: number) => `${side === 'staging' ? 'a' : 'b'}${String(i).padStart(2, '0')}${'0'.repeat(37)}`;

export function tenServiceYaml(): URL {
  const svc = (env: string) => SERVICES.map((s) => `          ${s}: { host: docker-1, labels: { app: ${s}, env: ${env} }, image: registry.example.com/payments/${s} }`).join('\n');
  const yaml = `
hosts:
  docker-1: { url: unix:///var/run/docker.sock }
projects:
  payments:
    environments:
      staging:
        services:
${svc('staging')}
      prod:
        production: true
        services:
${svc('prod')}
people:
  - { id: alice, name: Alice, telegram: 1001, slack: U0ALICE, roles: [{ role: admin, project: payments }] }
  - { id: dave, name: Dave, telegram: 1004, slack: U0DAVE, roles: [{ role: operator, project: payments }] }
chats:
  - { platform: telegram, id: -100500, projects: [payments] }
  - { platform: slack, id: C0SHOP, projects: [payments] }
limits:
  hostTimeoutMs: 1000
`;
  const dir = mkdtempSync(join(tmpdir(), 'deckhand-promote-'));
  writeFileSync(join(dir, 'config.yaml'), yaml);
  return pathToFileURL(join(dir, 'config.yaml'));
}

/** GitHub's compare answering ten commits with long titles for every pair. */
export const githubTen = compareHandler((c) =>
  comparisonPayload({
    ...c,
    status: 'ahead',
    aheadBy: 14,
    commits: Array.from({ length: 10 }, (_, i) => ({
      sha: `${c.head.slice(0, 30)}${String(i).padStart(10, '0')}`,
      message: `feat(reconciliation): a rather long commit title number ${i} that goes on and on past the line\n\nbody`,
      login: `developer-with-a-long-login-${i}`,
    })),
  }),
);

/** The harness with the ten services running (staging 30 min old, so every soak check warns). */
export function tenServiceHarness() {
  const promotion: PromotionServices = {
    images: { exists: async () => ({ status: 'present' }) },
    keys: { key: async () => new Uint8Array(32).fill(7) },
    soakMs: 2 * 3_600_000,
  };
  const changes = {
    code: new GitHubCompare({ token: 'ghs_0123456789abcdefghijABCDEFGHIJ', logger: silentLogger }),
    repoOf: () => 'acme/payments',
  };
  const h = coreHarness({ configFile: tenServiceYaml(), promotion, changes });
  const runtime = h.runtimes.get('docker-1');
  const started = new Date(new Date(NOW).getTime() - 30 * 60_000);
  SERVICES.forEach((s, i) => {
    runtime.add({
      name: `${s}-staging-1`,
      image: `registry.example.com/payments/${s}:2.4.${i}`,
      version: `2.4.${i}`,
      labels: { app: s, env: 'staging', [REVISION_LABEL]: sha('staging', i) },
      startedAt: started,
      health: 'healthy',
      env: { PATH: '/usr/bin', DATABASE_PASSWORD: SECRET_VALUES[i * 3]!, FEATURE_RECONCILIATION_V2: SECRET_VALUES[i * 3 + 2]!, [`NEW_LIMIT_${i}_A`]: '1', [`NEW_LIMIT_${i}_B`]: '2', [`NEW_LIMIT_${i}_C`]: '3', [`NEW_LIMIT_${i}_D`]: '4', [`NEW_LIMIT_${i}_E`]: '5' },
    });
    runtime.add({
      name: `${s}-prod-1`,
      image: `registry.example.com/payments/${s}:2.3.${i}`,
      version: `2.3.${i}`,
      labels: { app: s, env: 'prod', [REVISION_LABEL]: sha('prod', i) },
      health: 'healthy',
      env: { PATH: '/usr/bin', DATABASE_PASSWORD: SECRET_VALUES[i * 3 + 1]!, [`LEGACY_RECONCILIATION_MODE_${i}`]: 'on' },
    });
  });
  return h;
}
