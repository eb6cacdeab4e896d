import type Docker from 'dockerode';
import { z } from 'zod';
import { ContainerNotFoundError, type CallOptions } from '../../core/ports/runtime.port.js';
import type { Replacement } from './replacement.js';
import { cloneSpec, endpointConfig, type CloneSource, type NetworkAttachment } from './container-spec.mapper.js';
import type { EngineKind } from './engine-kind.js';
import { imageDefaults } from './image-defaults.js';
import { pullImage } from './image-pull.js';

/**
 * Blue/green-style replacement of one container, safe against crashes at any step:
 *
 *   1. create the new container as `<name>.deckhand-next`, labelled with the old id, name and image
 *   2. stop the old one and rename it `<name>.deckhand-prev`
 *   3. rename the new one to `<name>` and start it
 *
 * Engines cannot add labels to an existing container, so the record of a replacement lives on the new
 * container (created with it); `pending()` finds every labelled container whose old container still exists.
 * `revert` and `finalize` check that record and are idempotent, so they can be repeated after a crash.
 */

export const REPLACES_ID_LABEL = 'io.deckhand.replacement.of';
export const REPLACES_NAME_LABEL = 'io.deckhand.replacement.name';
export const REPLACES_IMAGE_LABEL = 'io.deckhand.replacement.old-image';
const LABEL_PREFIX = 'io.deckhand.replacement.';
export const PREVIOUS_SUFFIX = '.deckhand-prev';
export const NEXT_SUFFIX = '.deckhand-next';
/** Docker's default stop grace period, used when a container does not set its own. */
const DEFAULT_STOP_SECONDS = 10;

/** Raised when a replacement cannot start or be resolved because of the containers' current state. */
export class ReplacementConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplacementConflictError';
  }
}

export const replacementSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/),
  oldId: z.string().regex(/^[A-Za-z0-9]{12,64}$/),
  newId: z.string().regex(/^[A-Za-z0-9]{12,64}$/),
  oldImage: z.string().max(512),
  newImage: z.string().max(512),
});

export interface FullInspect extends CloneSource {
  Image: string;
  State: { Status?: string; Running?: boolean };
}

/**
 * How the replacer reaches the engine: every call runs under the runtime's deadline, signal and error mapping.
 * Calls get the action deadline (plus `extraMs`); `query` ones, which change nothing, the query deadline.
 */
export interface EngineAccess {
  docker: Docker;
  call<T>(opts: CallOptions, scope: { containerId?: string; extraMs?: number; query?: boolean }, run: (signal: AbortSignal) => Promise<T>): Promise<T>;
  kind(opts: CallOptions): Promise<EngineKind>;
  pullTimeoutMs: number;
}

export class ContainerReplacer {
  constructor(private readonly engine: EngineAccess) {}

  async replace(id: string, image: string, opts: CallOptions): Promise<Replacement> {
    const old = await this.inspect(id, opts);
    const name = bare(old.Name);
    if (name.endsWith(PREVIOUS_SUFFIX) || name.endsWith(NEXT_SUFFIX)) {
      throw new ReplacementConflictError(`${name} is left over from a replacement; finalize or revert that first`);
    }
    await this.ensureImage(image, opts);
    await this.refuseIfPending(name, opts);
    const kind = await this.engine.kind(opts);
    const defaults = await this.engine.call(opts, {}, (s) => imageDefaults(this.engine.docker, old.Image, kind, s));
    const oldImage = old.Config.Image ?? old.Image;
    const spec = cloneSpec(old, defaults, {
      image,
      name: `${name}${NEXT_SUFFIX}`,
      labels: { [REPLACES_ID_LABEL]: old.Id, [REPLACES_NAME_LABEL]: name, [REPLACES_IMAGE_LABEL]: oldImage },
      dropLabels: (key) => key.startsWith(LABEL_PREFIX),
    });
    const created = await this.engine.call(opts, {}, (abortSignal) =>
      this.engine.docker.createContainer({ ...spec.create, abortSignal }),
    );
    const replacement: Replacement = { name, oldId: old.Id, newId: created.id, oldImage, newImage: image };
    try {
      await this.swap(replacement, old, spec.extraNetworks, opts);
    } catch (error) {
      // Put the old container back before reporting; without the caller's signal, which may be what fired.
      await this.revert(replacement, {}).catch(() => undefined);
      throw error;
    }
    return replacement;
  }

  async finalize(replacement: Replacement, opts: CallOptions): Promise<void> {
    const r = replacementSchema.parse(replacement);
    const fresh = await this.inspect(r.newId, opts);
    if (fresh.Config.Labels?.[REPLACES_ID_LABEL] !== r.oldId || bare(fresh.Name) !== r.name) {
      throw new ReplacementConflictError(`${r.name}: the new container is not in place; nothing removed`);
    }
    const old = await this.inspectIfPresent(r.oldId, opts);
    if (old === null) return;
    if (bare(old.Name) === r.name) throw new ReplacementConflictError(`${r.name}: the old container is live again; nothing removed`);
    // Volumes stay: the new container uses them.
    await this.engine.call(opts, { containerId: r.oldId }, (abortSignal) =>
      this.engine.docker.getContainer(r.oldId).remove({ force: false, v: false, abortSignal }),
    );
  }

  async revert(replacement: Replacement, opts: CallOptions): Promise<void> {
    const r = replacementSchema.parse(replacement);
    const fresh = await this.inspectIfPresent(r.newId, opts);
    if (fresh !== null) {
      if (fresh.Config.Labels?.[REPLACES_ID_LABEL] !== r.oldId) {
        throw new ReplacementConflictError(`${r.name}: container ${r.newId.slice(0, 12)} is not the replacement; nothing changed`);
      }
      await this.engine.call(opts, { containerId: r.newId }, (abortSignal) =>
        this.engine.docker.getContainer(r.newId).remove({ force: true, v: false, abortSignal }),
      );
    }
    const old = await this.inspect(r.oldId, opts);
    if (bare(old.Name) !== r.name) await this.rename(r.oldId, r.name, opts);
    if (!old.State.Running) await this.start(r.oldId, opts);
  }

  async pending(opts: CallOptions): Promise<Replacement[]> {
    const labelled = await this.engine.call(opts, { query: true }, (abortSignal) =>
      this.engine.docker.listContainers({ all: true, filters: JSON.stringify({ label: [REPLACES_ID_LABEL] }), abortSignal }),
    );
    const found = await Promise.all(labelled.map((c) => this.pendingOf(c, opts)));
    return found.filter((r) => r !== null).sort((a, b) => a.name.localeCompare(b.name));
  }

  private async pendingOf(listed: Docker.ContainerInfo, opts: CallOptions): Promise<Replacement | null> {
    const oldId = listed.Labels[REPLACES_ID_LABEL] ?? '';
    const old = oldId ? await this.inspectIfPresent(oldId, opts, true) : null;
    if (old === null) return null;
    return {
      name: listed.Labels[REPLACES_NAME_LABEL] ?? bare(listed.Names[0] ?? '').replace(NEXT_SUFFIX, ''),
      oldId: old.Id,
      newId: listed.Id,
      oldImage: listed.Labels[REPLACES_IMAGE_LABEL] ?? old.Config.Image ?? old.Image,
      newImage: listed.Image,
    };
  }

  private async swap(r: Replacement, old: FullInspect, networks: NetworkAttachment[], opts: CallOptions): Promise<void> {
    for (const attachment of networks) {
      await this.engine.call(opts, {}, (abortSignal) =>
        this.engine.docker
          .getNetwork(attachment.network)
          .connect({ Container: r.newId, EndpointConfig: endpointConfig(attachment), abortSignal } as Docker.NetworkConnectOptions),
      );
    }
    await this.stop(old, opts);
    await this.rename(r.oldId, `${r.name}${PREVIOUS_SUFFIX}`, opts);
    await this.rename(r.newId, r.name, opts);
    await this.start(r.newId, opts);
  }

  /** Pulls the image unless the engine has it already; ImagePullError when it cannot. */
  private async ensureImage(image: string, opts: CallOptions): Promise<void> {
    const present = await this.engine.call(opts, {}, async () => {
      try {
        await this.engine.docker.getImage(image).inspect();
        return true;
      } catch (error) {
        if ((error as { statusCode?: unknown }).statusCode === 404) return false;
        throw error;
      }
    });
    if (!present) await this.engine.call(opts, { extraMs: this.engine.pullTimeoutMs }, (s) => pullImage(this.engine.docker, image, s));
  }

  private async refuseIfPending(name: string, opts: CallOptions): Promise<void> {
    for (const leftover of [`${name}${PREVIOUS_SUFFIX}`, `${name}${NEXT_SUFFIX}`]) {
      if ((await this.inspectIfPresent(leftover, opts)) !== null) {
        throw new ReplacementConflictError(`${name} has an unfinished replacement (${leftover}); finalize or revert it first`);
      }
    }
  }

  private async stop(old: FullInspect, opts: CallOptions): Promise<void> {
    const seconds = old.Config.StopTimeout && old.Config.StopTimeout > 0 ? old.Config.StopTimeout : DEFAULT_STOP_SECONDS;
    await this.engine.call(opts, { containerId: old.Id, extraMs: seconds * 1000 }, async (abortSignal) => {
      try {
        await this.engine.docker.getContainer(old.Id).stop({ t: seconds, abortSignal });
      } catch (error) {
        if ((error as { statusCode?: unknown }).statusCode !== 304) throw error; // 304: already stopped
      }
    });
  }

  private async rename(id: string, name: string, opts: CallOptions): Promise<void> {
    await this.engine.call(opts, { containerId: id }, (abortSignal) => this.engine.docker.getContainer(id).rename({ name, abortSignal }));
  }

  private async start(id: string, opts: CallOptions): Promise<void> {
    await this.engine.call(opts, { containerId: id }, async (abortSignal) => {
      try {
        await this.engine.docker.getContainer(id).start({ abortSignal });
      } catch (error) {
        if ((error as { statusCode?: unknown }).statusCode !== 304) throw error; // 304: already running
      }
    });
  }

  private inspect(id: string, opts: CallOptions, query = false): Promise<FullInspect> {
    return this.engine.call(opts, { containerId: id, query }, async (abortSignal) =>
      (await this.engine.docker.getContainer(id).inspect({ abortSignal })) as unknown as FullInspect,
    );
  }

  private async inspectIfPresent(id: string, opts: CallOptions, query = false): Promise<FullInspect | null> {
    try {
      return await this.inspect(id, opts, query);
    } catch (error) {
      if (error instanceof ContainerNotFoundError) return null;
      throw error;
    }
  }
}

function bare(name: string): string {
  return name.startsWith('/') ? name.slice(1) : name;
}
