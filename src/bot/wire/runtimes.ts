/** The runtimes of every configured host (any kind), and one readiness check per host. */
import { Runtimes } from '../../adapters/runtimes.js';
import type { DeckhandConfig } from '../config.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';

export function wireRuntimes(config: DeckhandConfig, infra: Infrastructure): Module & { runtimes: Runtimes } {
  const runtimes = new Runtimes(config.hosts, { defaultTimeoutMs: config.limits.hostTimeoutMs, logger: infra.logger });
  return {
    name: 'runtimes',
    runtimes,
    readiness: runtimes.hosts().map((host) => ({
      name: `${config.hosts[host]?.kind ?? 'docker'}:${host}`,
      check: (signal: AbortSignal) => runtimes.get(host).ping({ signal }),
    })),
  };
}
