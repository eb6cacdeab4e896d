import { loadConfigFile, ConfigError } from './config.js';
import { buildApp, type App } from './container.js';
import { readEnv } from './env.js';
import { createLogger } from './logger.js';
import { runShell } from '../adapters/shell/shell.adapter.js';
import { MigrationsNotAppliedError } from '../adapters/prisma/migration-check.js';
import { hasRole } from '../core/domain/access.js';
import type { Catalog } from '../core/domain/catalog.js';

/** Start-up failures people can fix: printed as a short message, no stack. */
class StartupError extends Error {}

function shellPerson(catalog: Catalog, wanted: string | undefined): string {
  if (wanted) {
    if (!catalog.people.some((p) => p.id === wanted)) throw new StartupError(`DECKHAND_SHELL_PERSON: no person "${wanted}" in the config.`);
    return wanted;
  }
  const first = catalog.people.find((p) => catalog.projects.some((pr) => hasRole(p, 'viewer', pr.name)));
  if (!first) throw new StartupError('The shell acts as a person from the config: add one with a role, or set DECKHAND_SHELL_PERSON.');
  return first.id;
}

async function main(): Promise<void> {
  const started = performance.now();
  const shell = process.argv.includes('--shell');
  const env = readEnv();
  // In the shell, logs go to stderr and only warnings and worse, so the REPL stays readable.
  const logger = createLogger({ level: shell ? 'warn' : env.LOG_LEVEL }, shell ? (await import('pino')).destination(2) : undefined);
  const config = loadConfigFile(env.DECKHAND_CONFIG);
  const app: App = await buildApp(env, config, logger, { shellOnly: shell });
  const built = performance.now();

  if (shell) {
    const personId = shellPerson(config.catalog, env.DECKHAND_SHELL_PERSON);
    await app.start();
    if (process.stdout.isTTY) process.stdout.write(`Deckhand shell, acting as ${personId}. Type help, or exit to leave.\n`);
    await runShell({ core: app.core, input: process.stdin, output: process.stdout, personId, tty: Boolean(process.stdin.isTTY && process.stdout.isTTY), logger });
    await app.stop();
    return;
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, env.SHUTDOWN_TIMEOUT_MS + 2000);
    force.unref();
    app.stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await app.start();
  // performance.now() counts from the process's start: `started` is how long Node took to load the modules.
  logger.info({ startupMs: Math.round(performance.now() - started), loadMs: Math.round(started), buildMs: Math.round(built - started) }, 'deckhand ready');
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof MigrationsNotAppliedError || err instanceof StartupError) {
    process.stderr.write(`deckhand: ${err.message}\n`);
  } else if (err instanceof Error && err.message.startsWith('Invalid environment')) {
    process.stderr.write(`deckhand: ${err.message}\n`);
  } else {
    process.stderr.write(`deckhand: start-up failed: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.exit(1);
});
