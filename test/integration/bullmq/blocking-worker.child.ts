/**
 * A worker process for the crash test: its processor announces the job on stdout and never returns,
 * like a deploy in progress. The test SIGKILLs this process.
 */
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { startActionWorker } from '../../../src/adapters/bullmq/action.worker.js';
import { connection } from './redis-test.support.js';

const prefix = process.env.DECKHAND_TEST_PREFIX;
if (!prefix) throw new Error('DECKHAND_TEST_PREFIX is required');

startActionWorker({
  connection,
  prefix,
  logger: silentLogger,
  lockDurationMs: 2_000,
  stalledIntervalMs: 300,
  processor: async (actionId) => {
    process.stdout.write(`started ${actionId}\n`);
    await new Promise(() => {});
  },
});
process.stdout.write('ready\n');
