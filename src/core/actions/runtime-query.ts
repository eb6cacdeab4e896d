import type { ServiceSpec } from '../domain/catalog.js';
import { HostUnreachableError, RuntimeRefusedError, type ContainerInfo, type RuntimeRegistry } from '../ports/runtime.port.js';
import type { CoreServices } from '../services.js';
import { plural } from '../domain/wording.js';

/**
 * What a host answered for a service. A failure's `problem` completes "Host X is …"; `refusal` is set when
 * the runtime refused for lack of permission, a whole sentence naming what (see hostProblem).
 */
export type ServiceContainers = { ok: true; containers: ContainerInfo[] } | { ok: false; host: string; problem: string; refusal?: string };

/** What the runtime of `host` calls one unit (`container`, `workload`); `container` when it has no word or no runtime. */
export function unitNounOf(runtimes: RuntimeRegistry, host: string): string {
  try {
    return runtimes.get(host).unitNoun ?? 'container';
  } catch {
    return 'container';
  }
}

/** Units per host, counted in each runtime's word: `2 containers`, `1 workload and 2 containers`. */
export function countedIn(runtimes: RuntimeRegistry, perHost: readonly (readonly [string, number])[]): string {
  const byNoun = new Map<string, number>();
  for (const [host, n] of perHost) {
    const noun = unitNounOf(runtimes, host);
    byNoun.set(noun, (byNoun.get(noun) ?? 0) + n);
  }
  const counted = [...byNoun].filter(([, n]) => n > 0);
  if (counted.length === 0) return plural(0, byNoun.size === 1 ? [...byNoun.keys()][0]! : 'unit');
  return counted.map(([noun, n]) => plural(n, noun)).join(' and ');
}

/** The sentence for a host that did not answer (no final period): its refusal, or `Host X is …`. */
export function hostProblem(r: { host: string; problem: string; refusal?: string }): string {
  return r.refusal ?? `Host ${r.host} is ${r.problem}`;
}

/** Short, chat-safe description of a runtime failure (no stack, no URL with credentials); completes "Host X is …". */
export function describeRuntimeError(err: unknown, timeoutMs: number): string {
  if (err instanceof HostUnreachableError) return 'unreachable';
  if (err instanceof RuntimeRefusedError) return err.refusal;
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `not answering after ${timeoutMs} ms`;
  return 'error';
}

/**
 * Finds the containers of each service, querying every host once and all hosts in parallel, each
 * with its own timeout. A host that fails marks its services; the others still answer. `fresh`: what an
 * action will be decided on, so no runtime may answer from a cache (see CallOptions).
 */
export async function findContainers(services: readonly ServiceSpec[], deps: CoreServices, opts: { fresh?: boolean } = {}): Promise<Map<ServiceSpec, ServiceContainers>> {
  const byHost = new Map<string, ServiceSpec[]>();
  for (const s of services) byHost.set(s.host, [...(byHost.get(s.host) ?? []), s]);
  const result = new Map<ServiceSpec, ServiceContainers>();
  const timeoutMs = deps.limits.hostTimeoutMs;
  await Promise.all(
    [...byHost].map(async ([host, specs]) => {
      try {
        const found = await withTimeout(timeoutMs, (signal) => deps.runtimes.get(host).find(specs.map((s) => s.selector), { signal, ...(opts.fresh ? { fresh: true } : {}) }));
        specs.forEach((s, i) => result.set(s, { ok: true, containers: found[i] ?? [] }));
      } catch (err) {
        deps.metrics.runtimeError(host, 'find');
        deps.logger.warn({ err, host }, 'runtime query failed');
        if (err instanceof RuntimeRefusedError) {
          for (const s of specs) result.set(s, { ok: false, host, problem: 'refused', refusal: err.refusal });
          return;
        }
        const problem = describeRuntimeError(err, timeoutMs);
        for (const s of specs) result.set(s, { ok: false, host, problem });
      }
    }),
  );
  return result;
}

/** Runs `fn` with an AbortSignal that fires after `ms`, and rejects at that time even if `fn` ignores it. */
export async function withTimeout<T>(ms: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`timed out after ${ms} ms`);
      err.name = 'TimeoutError';
      controller.abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([fn(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
