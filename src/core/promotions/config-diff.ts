/**
 * The configuration difference of one service between two environments: which environment variable keys
 * only one side has, and which keys have different values. Values are compared by HMAC-SHA256 under the
 * installation's key and dropped at once: neither a value nor its hash leaves this function, so nothing
 * shown, logged or stored can give one away (and a hash alone could not be guessed back without the key).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ConfigDiff } from '../ports/pending-action.port.js';

/**
 * Keys every unit sets for itself (its own host name): they differ between any two units, so comparing them
 * says nothing about the configuration.
 */
export const PER_UNIT_KEYS: ReadonlySet<string> = new Set(['HOSTNAME']);

/** The purpose name of the key (InstallationKeys.key). */
export const CONFIG_HASH_PURPOSE = 'config-hash';

function keyedHashes(key: Uint8Array, vars: Readonly<Record<string, string>>): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [name, value] of Object.entries(vars)) if (!PER_UNIT_KEYS.has(name)) out.set(name, createHmac('sha256', key).update(name).update('\0').update(value).digest());
  return out;
}

/** Keys of each side only, and keys set on both sides with different values (PER_UNIT_KEYS left out); each list sorted. */
export function configDiff(service: string, key: Uint8Array, source: Readonly<Record<string, string>>, target: Readonly<Record<string, string>>): ConfigDiff {
  const from = keyedHashes(key, source);
  const to = keyedHashes(key, target);
  const missingInTarget = [...from.keys()].filter((k) => !to.has(k)).sort();
  const missingInSource = [...to.keys()].filter((k) => !from.has(k)).sort();
  const differing = [...from.entries()].filter(([k, h]) => to.has(k) && !timingSafeEqual(h, to.get(k)!)).map(([k]) => k).sort();
  return { service, missingInTarget, missingInSource, differing };
}

export const sameConfig = (d: ConfigDiff): boolean => !d.unknown && d.missingInTarget.length + d.missingInSource.length + d.differing.length === 0;
