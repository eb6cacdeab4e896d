import { parseConfig } from '../../src/bot/config.js';
import { OutageClicks } from '../../src/core/actions/outage-clicks.js';
import { allIntents } from '../../src/core/intents/index.js';
import type { InboundEvent } from '../../src/core/messages/inbound.js';
import type { Reply } from '../../src/core/messages/reply.js';
import { createCore } from '../../src/core/pipeline/core.js';
import { silentLogger } from '../../src/core/ports/logger.port.js';
import { noopMetrics } from '../../src/core/ports/metrics.port.js';
import type { Runtime } from '../../src/core/ports/runtime.port.js';
import { MemoryAuditLog } from '../fakes/memory-audit.js';
import { MemoryIncidentStore } from '../fakes/memory-incidents.js';
import { MemoryOncallOverrideStore } from '../fakes/memory-oncall.js';
import { MemoryUnitOfWork } from '../fakes/memory-unit-of-work.js';
import {
  MemoryActionQueue,
  MemoryDeploymentStore,
  MemoryFreezeStore,
  MemoryLockStore,
  MemoryPendingActionStore,
  RecordingNotifier,
} from '../fakes/memory-stores.js';

/**
 * The real core over in-memory stores and real runtimes (a DockerRuntime on Podman, a KubernetesRuntime on
 * the fake API server), by host name. `configYaml` names the hosts; person 1001 is Alice, admin of `shop`
 * unless the yaml lists its own people.
 */
export function runtimeCore(configYaml: string, runtimes: Record<string, Runtime>) {
  const people = /^people:/m.test(configYaml) ? '' : `\npeople:\n  - { id: alice, name: Alice, telegram: 1001, roles: [{ role: admin, project: shop }] }\n`;
  const config = parseConfig(configYaml + people);
  const clock = { now: () => new Date() };
  const queue = new MemoryActionQueue();
  const notifier = new RecordingNotifier();
  const incidents = new MemoryIncidentStore();
  const core = createCore({
    catalog: config.catalog,
    limits: config.limits,
    runtimes: {
      get: (host) => {
        const runtime = runtimes[host];
        if (!runtime) throw new Error(`no runtime for host ${host}`);
        return runtime;
      },
      hosts: () => Object.keys(runtimes),
    },
    audit: new MemoryAuditLog(),
    clock,
    logger: silentLogger,
    metrics: noopMetrics,
    intents: allIntents,
    actions: {
      pending: new MemoryPendingActionStore(),
      deployments: new MemoryDeploymentStore(),
      locks: new MemoryLockStore(clock),
      freezes: new MemoryFreezeStore(),
      queue,
      notifier,
      recurringFreezes: config.recurringFreezes,
      confirmTtlMs: config.actions.confirmTtlMs,
      outageClicks: new OutageClicks(silentLogger),
    },
    incidents: { store: incidents, overrides: new MemoryOncallOverrideStore(), settings: config.incidents },
    unit: new MemoryUnitOfWork({ incidents, notifier }),
  });
  const base = { platform: 'telegram', platformUserId: '1001', chatId: '1001', chatType: 'private' } as const;
  const say = (text: string) => core.handle({ kind: 'command', text, ...base, receivedAt: new Date() } as InboundEvent);
  const click = (reply: Reply, label: string) => {
    const button = reply.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : [])).find((b) => b.label === label);
    if (!button) throw new Error(`no button "${label}" in reply: ${reply.text}`);
    return core.handle({ kind: 'action', actionId: button.actionId, pendingId: button.pendingId, ...base, receivedAt: new Date() } as InboundEvent);
  };
  return { core, config, say, click, queue };
}
