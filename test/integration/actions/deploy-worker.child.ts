/**
 * The action worker as its own process, on the real stack of the crash test: the real processor, Prisma
 * stores on the test's schema and the DockerRuntime on Podman. Progress edits go to stdout as
 * `edit <text>` lines so the test can follow the deploy. The crash test SIGKILLs this process mid-deploy;
 * the shutdown test SIGTERMs it, and it then closes its worker within DECKHAND_TEST_SHUTDOWN_MS and exits.
 * DECKHAND_TEST_GRACE_MS sets the health grace of a container without a healthcheck (default two minutes).
 */
import { startActionWorker } from '../../../src/adapters/bullmq/action.worker.js';
import { createPrismaClient } from '../../../src/adapters/prisma/prisma-client.js';
import { parseConfig } from '../../../src/bot/config.js';
import { systemClock } from '../../../src/core/ports/clock.port.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import type { Notifier } from '../../../src/core/ports/notifier.port.js';
import { createActionProcessor } from '../../../src/core/actions/action.processor.js';
import { buildRunDeps } from '../../support/actions-stack.js';
import { connection } from '../bullmq/redis-test.support.js';

const { DECKHAND_TEST_PREFIX: prefix, DECKHAND_TEST_DB_URL: url, DECKHAND_TEST_CONFIG: yaml } = process.env;
if (!prefix || !url || !yaml) throw new Error('DECKHAND_TEST_PREFIX, DECKHAND_TEST_DB_URL and DECKHAND_TEST_CONFIG are required');

const config = parseConfig(yaml);
const line = (text: string): void => void process.stdout.write(`${text.replace(/\s+/g, ' ')}\n`);
const notifier: Notifier = {
  edit: async (_ref, reply) => line(`edit ${reply.text}`),
  announce: async (_project, reply) => line(`announce ${reply.text}`),
  publish: async (_project, key, reply) => line(`publish ${key} ${reply.text}`),
};
// A grace of two minutes by default: the first replaced container (no healthcheck) keeps the deploy waiting.
const graceMs = Number(process.env.DECKHAND_TEST_GRACE_MS ?? 120_000);
const settings = { ...config.actions, healthGraceMs: graceMs, healthTimeoutMs: graceMs + 60_000 };
const deps = buildRunDeps(createPrismaClient(url, { poolMax: 2 }), config, { notifier, clock: systemClock, logger: silentLogger, settings });
const process_ = createActionProcessor(deps);

const worker = startActionWorker({
  connection,
  prefix,
  logger: silentLogger,
  lockDurationMs: 2_000,
  stalledIntervalMs: 300,
  processor: async (actionId, opts) => {
    line(`started ${actionId}`);
    await process_(actionId, opts);
  },
});
process.once('SIGTERM', () => {
  line('stopping');
  void worker.close({ withinMs: Number(process.env.DECKHAND_TEST_SHUTDOWN_MS ?? 10_000) }).finally(() => {
    line('stopped');
    process.exit(0);
  });
});
line('ready');
