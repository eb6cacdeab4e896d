/** The runtimes of every configured host (any kind), and one readiness check per host. */
import { Runtimes } from '../../adapters/runtimes.js';
import type { ContainerSelector } from '../../core/domain/catalog.js';
import type { DeckhandConfig } from '../config.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';

export function wireRuntimes(config: DeckhandConfig, infra: Infrastructure, options: { server: boolean }): Module & { runtimes: Runtimes } {
  const selectors: Record<string, ContainerSelector[]> = {};
  for (const service of config.catalog.projects.flatMap((p) => p.environments.flatMap((e) => e.services))) {
    (selectors[service.host] ??= []).push(service.selector);
  }
  const runtimes = new Runtimes(config.hosts, { defaultTimeoutMs: config.limits.hostTimeoutMs, logger: infra.logger, selectors });
  return {
    name: 'runtimes',
    runtimes,
    readiness: runtimes.hosts().map((host) => ({
      name: `${config.hosts[host]?.kind ?? 'docker'}:${host}`,
      check: (signal: AbortSignal) => runtimes.check(host, signal),
    })),
    // Hosts that keep a container index build it at start and close it last. A server is ready without
    // waiting for the first build (its /readyz says degraded meanwhile and status asks the engine), so start
    // to ready does not grow with the containers on the hosts; the shell waits, so its first status is
    // answered from the index.
    start: () => runtimes.start({ waitForIndex: !options.server }),
    close: () => runtimes.close(),
  };
}
