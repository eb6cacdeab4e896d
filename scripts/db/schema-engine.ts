/**
 * Loads Prisma's WebAssembly schema engine (the engine behind `prisma migrate`) and binds it to
 * PostgreSQL through the pg driver adapter, so migrations run with no downloaded native engine.
 *
 * The .wasm file is instantiated by hand instead of `import`ed, so no `--experimental-wasm-modules`
 * flag is needed on Node 20 (and vitest workers need no special execArgv).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as glue from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { DatabaseTarget } from '../../src/adapters/prisma/database-target.js';
import { createMigrationAdapter } from './migration-adapter.js';

export type { SchemaEngine };

interface WasmExports {
  __wbindgen_start(): void;
}

/** The slice of the WebAssembly global we use (tsconfig has no DOM lib, and @types/node 20 omits it). */
interface WasmApi {
  instantiate(bytes: Uint8Array, imports: Record<string, unknown>): Promise<{ instance: { exports: unknown } }>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let loaded: Promise<void> | undefined;

/** wasm-bindgen keeps its instance in module state, so the module is instantiated once per process. */
function loadWasm(): Promise<void> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = await readFile(path.join(path.dirname(gluePath), 'schema_engine_bg.wasm'));
    const { instance } = await wasmApi.instantiate(bytes, { './schema_engine_bg.js': glue });
    // The engine reports Rust panics through this global (the Prisma CLI installs the same hook).
    const g = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(m: string): void } };
    g.PRISMA_WASM_PANIC_REGISTRY ??= { set_message: (m: string) => { lastPanic = m; } };
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports as unknown as WasmExports).__wbindgen_start();
  })();
  return loaded;
}

let lastPanic: string | undefined;

export interface EngineSession {
  engine: SchemaEngine;
  /** Frees the engine and closes its connections. */
  close(): Promise<void>;
}

/**
 * Opens a schema engine on `target`. `schemaText` is the Prisma schema (needed by `create`, optional
 * for deploy/status). Always call `close()`.
 */
export async function openSchemaEngine(target: DatabaseTarget, schemaText?: string): Promise<EngineSession> {
  await loadWasm();
  const adapter = createMigrationAdapter(target);
  const factory = bindMigrationAwareSqlAdapterFactory(adapter.factory);
  const log = process.env['DEBUG']?.includes('schema-engine') ? (m: string) => console.error(m) : () => {};
  try {
    const datamodels: [string, string][] | undefined = schemaText ? [['schema.prisma', schemaText]] : undefined;
    const engine = await glue.SchemaEngine.new({ datamodels }, log, factory);
    return {
      engine,
      close: async () => {
        engine.free();
        await adapter.end();
      },
    };
  } catch (error) {
    await adapter.end();
    throw withPanic(error);
  }
}

/** Attaches the Rust panic message, if any, to an engine error. */
export function withPanic(error: unknown): Error {
  const err = error instanceof Error ? error : new Error(String(error));
  if (lastPanic) {
    err.message = `${err.message} (${lastPanic})`;
    lastPanic = undefined;
  }
  return err;
}
