import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadFaqFile } from '../../src/bot/faq-file.js';
import type { FaqVoteStore } from '../../src/core/ports/faq-vote.port.js';
import { MemoryFaqVoteStore } from '../fakes/memory-faq-votes.js';
import { parseConfig } from '../../src/bot/config.js';
import { allIntents } from '../../src/core/intents/index.js';
import type { InboundEvent, Platform } from '../../src/core/messages/inbound.js';
import type { Reply } from '../../src/core/messages/reply.js';
import { createCore } from '../../src/core/pipeline/core.js';
import { silentLogger } from '../../src/core/ports/logger.port.js';
import { OutageClicks } from '../../src/core/actions/outage-clicks.js';
import { noopMetrics } from '../../src/core/ports/metrics.port.js';
import { MemoryAuditLog } from '../fakes/memory-audit.js';
import { MemoryIncidentStore } from '../fakes/memory-incidents.js';
import type { CostServices, IncidentServices, PromotionServices } from '../../src/core/services.js';
import type { ChangeSources } from '../../src/core/deploys/deploy-changes.js';
import type { BugServices } from '../../src/core/support/bug-services.js';
import type { IncidentStore } from '../../src/core/ports/incident.port.js';
import type { FreezeFeeds } from '../../src/core/ports/freeze.port.js';
import type { Silencer } from '../../src/core/ports/silencer.port.js';
import { MemoryOncallOverrideStore } from '../fakes/memory-oncall.js';
import { MemoryRuntimeRegistry } from '../fakes/memory-runtime.js';
import { MemoryUnitOfWork } from '../fakes/memory-unit-of-work.js';
import type { Notifier } from '../../src/core/ports/notifier.port.js';
import type { UnitOfWork } from '../../src/core/ports/unit-of-work.port.js';
import type { SloServices } from '../../src/core/slo/slo-assessment.js';
import {
  MemoryActionQueue,
  MemoryActionScheduler,
  MemoryDeploymentStore,
  MemoryFreezeStore,
  MemoryLockStore,
  MemoryPendingActionStore,
  RecordingNotifier,
} from '../fakes/memory-stores.js';

export const NOW = '2026-11-23T12:00:00Z';

interface From {
  platform?: Platform;
  user?: string;
  chat?: string;
  chatType?: 'private' | 'group';
  /** Mention words of the command and the accounts they name (CommandEvent.mentions). */
  mentions?: Record<string, string>;
}

/**
 * The real core over in-memory ports and a settable clock; `incidentStore` / `silencer` put real ones
 * (PostgreSQL, Alertmanager) behind the incident services, with `unit` the unit of work over them (in memory
 * over the harness's stores and notifier unless given); `faqFile` loads a FAQ (votes in memory unless
 * `faqVotes` puts a real store behind them); `slo` adds the SLO services (a fake time-series source).
 */
export function coreHarness(opts: { freezeFeeds?: FreezeFeeds; configFile?: URL; incidentStore?: IncidentStore; unit?: (notifier: Notifier) => UnitOfWork; silencer?: Silencer; faqFile?: URL; faqVotes?: FaqVoteStore; promotion?: PromotionServices; changes?: ChangeSources; cost?: CostServices; slo?: SloServices; bugs?: BugServices } = {}) {
  const configFile = opts.configFile ?? new URL('../fixtures/config/core.yaml', import.meta.url);
  const config = parseConfig(readFileSync(configFile, 'utf8'));
  const runtimes = new MemoryRuntimeRegistry(config.catalog.hosts);
  const audit = new MemoryAuditLog();
  let now = new Date(NOW);
  const clock = { now: () => now };
  const actions = {
    pending: new MemoryPendingActionStore(),
    deployments: new MemoryDeploymentStore(),
    locks: new MemoryLockStore(clock),
    freezes: new MemoryFreezeStore(),
    queue: new MemoryActionQueue(),
    notifier: new RecordingNotifier(),
    recurringFreezes: config.recurringFreezes,
    confirmTtlMs: config.actions.confirmTtlMs,
    outageClicks: new OutageClicks(silentLogger),
    ...(opts.promotion ? { promotion: opts.promotion } : {}),
    ...(opts.changes ? { changes: opts.changes } : {}),
    scheduler: new MemoryActionScheduler(),
    audit,
    ...(opts.freezeFeeds ? { freezeFeeds: opts.freezeFeeds } : {}),
  };
  const store = opts.incidentStore ?? new MemoryIncidentStore();
  const incidents = {
    store,
    overrides: new MemoryOncallOverrideStore(),
    silencer: opts.silencer,
    settings: config.incidents,
  } satisfies IncidentServices;
  const unit = opts.unit?.(actions.notifier) ?? new MemoryUnitOfWork({ incidents: store, pendingActions: actions.pending, notifier: actions.notifier, audit });
  const faqVotes = opts.faqVotes ?? new MemoryFaqVoteStore();
  const faq = opts.faqFile ? { catalog: loadFaqFile(fileURLToPath(opts.faqFile)), votes: faqVotes } : undefined;
  const services = {
    catalog: config.catalog,
    limits: config.limits,
    runtimes,
    audit,
    clock,
    logger: silentLogger,
    metrics: noopMetrics,
    intents: allIntents,
    actions,
    incidents,
    unit,
    ...(faq ? { faq } : {}),
    ...(opts.cost ? { cost: opts.cost } : {}),
    ...(opts.slo ? { slo: opts.slo } : {}),
    ...(opts.bugs ? { bugs: opts.bugs } : {}),
  };
  const core = createCore(services);
  const base = (from: From) => ({
    platform: from.platform ?? 'telegram',
    platformUserId: from.user ?? '1001',
    chatId: from.chat ?? from.user ?? '1001',
    chatType: from.chatType ?? 'private',
    receivedAt: now,
  });
  const say = (text: string, from: From = {}) =>
    core.handle({ kind: 'command', text, ...base(from), ...(from.mentions ? { mentions: from.mentions } : {}) } as InboundEvent);
  const click = (reply: Reply, label: string, from: From = {}) => {
    const buttons = reply.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : []));
    const button = buttons.find((b) => b.label === label);
    if (!button) throw new Error(`no button "${label}" in reply: ${reply.text}`);
    return core.handle({ kind: 'action', actionId: button.actionId, pendingId: button.pendingId, ...base(from) } as InboundEvent);
  };
  const setNow = (iso: string) => {
    now = new Date(iso);
  };
  const advance = (ms: number) => {
    now = new Date(now.getTime() + ms);
  };
  return { core, services, runtimes, audit, config, actions, incidents, faqVotes, say, click, setNow, advance, now: () => now };
}
