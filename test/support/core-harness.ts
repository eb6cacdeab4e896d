import { readFileSync } from 'node:fs';
import { parseConfig } from '../../src/bot/config.js';
import { allIntents } from '../../src/core/intents/index.js';
import type { InboundEvent, Platform } from '../../src/core/messages/inbound.js';
import { createCore } from '../../src/core/pipeline/core.js';
import { silentLogger } from '../../src/core/ports/logger.port.js';
import { noopMetrics } from '../../src/core/ports/metrics.port.js';
import { fixedClock, MemoryAuditLog } from '../fakes/memory-audit.js';
import { MemoryRuntimeRegistry } from '../fakes/memory-runtime.js';

export const NOW = '2026-11-23T12:00:00Z';

/** The real core over in-memory ports and a fixed clock. */
export function coreHarness(configFile = new URL('../fixtures/config/core.yaml', import.meta.url)) {
  const config = parseConfig(readFileSync(configFile, 'utf8'));
  const runtimes = new MemoryRuntimeRegistry(config.catalog.hosts);
  const audit = new MemoryAuditLog();
  const core = createCore({
    catalog: config.catalog,
    limits: config.limits,
    runtimes,
    audit,
    clock: fixedClock(NOW),
    logger: silentLogger,
    metrics: noopMetrics,
    intents: allIntents,
  });
  const say = (text: string, from: { platform?: Platform; user?: string; chat?: string; chatType?: 'private' | 'group' } = {}) => {
    const event: InboundEvent = {
      kind: 'command',
      platform: from.platform ?? 'telegram',
      platformUserId: from.user ?? '1001',
      chatId: from.chat ?? from.user ?? '1001',
      chatType: from.chatType ?? 'private',
      text,
      receivedAt: new Date(NOW),
    };
    return core.handle(event);
  };
  return { core, runtimes, audit, config, say };
}
