/**
 * dockerode without the modules only some engines need, loaded when first used instead of at start:
 * docker-modem's ssh transport (ssh2, its crypto and key parsers) for `ssh://` hosts, and dockerode's
 * BuildKit session (@grpc/grpc-js, @grpc/proto-loader, protobufjs), which Deckhand never calls. Both are
 * `require`d by dockerode's and docker-modem's entry files, so they would otherwise load with dockerode
 * (~11 MB of RSS for a process whose hosts are all unix:// or tcp://).
 *
 * Each is replaced in the CommonJS cache, before dockerode loads, by a function that loads the real module
 * on its first call and forwards to it; both modules export one plain function. A later dockerode that
 * moves these files only loses the saving: a path that no longer resolves is left alone.
 */
import { createRequire, Module } from 'node:module';
import type Docker from 'dockerode';

const require = createRequire(import.meta.url);

/** Files (resolved from dockerode's own folder) whose export is a function called only by some transports. */
const DEFERRED = ['docker-modem/lib/ssh.js', 'dockerode/lib/session.js'];

function defer(file: string): void {
  if (require.cache[file] !== undefined) return;
  let real: ((...args: unknown[]) => unknown) | undefined;
  const stub = new Module(file);
  stub.filename = file;
  stub.loaded = true;
  stub.exports = function deferredModule(this: unknown, ...args: unknown[]): unknown {
    if (real === undefined) {
      delete require.cache[file];
      real = require(file) as (...args: unknown[]) => unknown;
    }
    return real.apply(this, args);
  };
  require.cache[file] = stub;
}

function resolveFromDockerode(spec: string): string | undefined {
  try {
    return createRequire(require.resolve('dockerode')).resolve(spec);
  } catch {
    return undefined;
  }
}

let loaded: typeof Docker | undefined;

/** The dockerode constructor, with the ssh transport and the BuildKit session loaded on first use. */
export function loadDockerode(): typeof Docker {
  if (loaded === undefined) {
    for (const spec of DEFERRED) {
      const file = resolveFromDockerode(spec);
      if (file !== undefined) defer(file);
    }
    loaded = require('dockerode') as typeof Docker;
  }
  return loaded;
}
