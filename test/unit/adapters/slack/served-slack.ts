import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSlackAdapter } from '../../../../src/adapters/slack/slack.adapter.js';
import type { ChatCore } from '../../../../src/core/pipeline/chat-core.js';
import { silentLogger } from '../../../../src/core/ports/logger.port.js';
import { API } from './slack-api.recorder.js';
import { SignedSlackClient } from './slack-signed.client.js';

/** The Slack adapter's real Bolt receiver on a local port, and a client that signs requests as Slack does. */
export interface ServedSlack {
  client: SignedSlackClient;
  close(): Promise<void>;
}

/** Serves `core` through the Slack adapter (Web API at the recorder's API URL, no retries). */
export async function serveSlack(core: ChatCore, signingSecret: string): Promise<ServedSlack> {
  const adapter = createSlackAdapter({ botToken: 'xoxb-test-token', signingSecret, apiUrl: API, core, logger: silentLogger, retryConfig: { retries: 0 } });
  const server = createServer(adapter.requestListener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    client: new SignedSlackClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, signingSecret),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Polls `what` every 10 ms until it returns a value, up to `tries` times. */
export async function pollUntil<T>(what: () => T | undefined, tries = 200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = what();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('timed out waiting');
}
