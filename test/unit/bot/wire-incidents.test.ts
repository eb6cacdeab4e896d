import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../../src/bot/config.js';
import { readEnv } from '../../../src/bot/env.js';
import type { Infrastructure } from '../../../src/bot/wire/infrastructure.js';
import { wireIncidents } from '../../../src/bot/wire/incidents.js';
import type { Stores } from '../../../src/bot/wire/stores.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { MemoryAuditLog } from '../../fakes/memory-audit.js';
import { MemoryIncidentStore } from '../../fakes/memory-incidents.js';
import { MemoryHandoffLog, MemoryOncallOverrideStore } from '../../fakes/memory-oncall.js';
import { MemoryDeploymentStore, RecordingNotifier } from '../../fakes/memory-stores.js';
import { MemoryUnitOfWork } from '../../fakes/memory-unit-of-work.js';

const config = parseConfig(
  `
hosts: { docker-1: { url: unix:///var/run/docker.sock } }
projects:
  shop:
    environments: { prod: { services: { api: { host: docker-1, container: api } } } }
people:
  - { id: alice, telegram: 1001, roles: [{ role: admin, project: shop }] }
`,
  '/tmp/deckhand.yaml',
);

function wire(server: boolean) {
  const incidents = new MemoryIncidentStore();
  const handoffs = new MemoryHandoffLog();
  const notifier = new RecordingNotifier();
  const stores = { incidents, handoffs, overrides: new MemoryOncallOverrideStore(), audit: new MemoryAuditLog(), deployments: new MemoryDeploymentStore() } as unknown as Stores;
  const infra = { clock: { now: () => new Date() }, logger: silentLogger } as unknown as Infrastructure;
  const env = readEnv({ DATABASE_URL: 'postgresql://x@127.0.0.1/x', DECKHAND_CONFIG: '/tmp/deckhand.yaml', ALERTMANAGER_WEBHOOK_TOKEN: 'a'.repeat(32) });
  return wireIncidents(env, config, infra, stores, notifier, new MemoryUnitOfWork({ incidents, handoffs, notifier }), { server });
}

describe('wireIncidents', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts no escalation, handoff or reconciliation sweep in the shell: timed work is the servers\'', async () => {
    vi.useFakeTimers();
    const module = wire(false);
    await module.start!();
    expect(vi.getTimerCount()).toBe(0);
    await module.stop!();
  });

  it('starts the sweeps in a server replica', async () => {
    vi.useFakeTimers();
    const module = wire(true);
    await module.start!();
    expect(vi.getTimerCount()).toBeGreaterThanOrEqual(2);
    await module.stop!();
    expect(vi.getTimerCount()).toBe(0);
  });
});
