import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HTTPModuleFunctions as http, HTTPResponseAck, type App, type BufferedIncomingMessage, type Logger as BoltLogger, type Receiver } from '@slack/bolt';
import type { Logger } from '../../core/ports/logger.port.js';
import { PayloadTooLargeError, readBody } from '../http/read-body.js';
import { failureSummary } from '../notifier/delivery.errors.js';
import { checkSlackRequest } from './slack-event.parser.js';

/** Context key (Bolt `customProperties`) holding sha256 of the request's timestamp and signature. */
export const SIGNATURE_HASH = 'requestSignatureHash';

/** Context key (Bolt `customProperties`) holding when the request arrived (ms since the epoch): Slack's 3 s count from about then. */
export const RECEIVED_AT = 'requestReceivedAt';

/**
 * Node's request listener, returning a promise that settles once the request is fully handled: answered, and
 * its listeners (the core's decision and the reply's delivery) finished. It never rejects.
 */
export type SlackRequestListener = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface SlackHttpReceiverOptions {
  signingSecret: string;
  path: string;
  logger: Logger;
  boltLogger: BoltLogger;
  /** Largest body read (also without a Content-Length); default 1 MiB. Slack's payloads are far smaller. */
  maxBodyBytes?: number;
}

/**
 * Bolt's HTTP receiver, reduced to what Deckhand needs and strict about what it lets through:
 * - the signature is checked with Bolt's own functions (401 when it fails or is older than 5 minutes);
 * - a body that does not parse, or parses to something that is not a payload, gets 400 (Bolt's
 *   HTTPReceiver crashes on `payload=null` and answers 500 to a payload lacking `actions` or `event`);
 * - a payload of a kind the app does not handle, or lacking fields, is acknowledged (200) and ignored
 *   with one warning, so Slack does not retry it;
 * - the signature's hash is passed to listeners (`context.requestSignatureHash`) to recognise replays.
 */
export class SlackHttpReceiver implements Receiver {
  readonly requestListener: SlackRequestListener;
  private app?: App;
  private server?: Server;

  constructor(private readonly opts: SlackHttpReceiverOptions) {
    this.requestListener = (req, res) =>
      this.handle(req, res).catch((err: unknown) => {
        this.opts.logger.error({ err: failureSummary(err) }, 'slack request failed');
        if (!res.headersSent) res.writeHead(500).end();
      });
  }

  init(app: App): void {
    this.app = app;
  }

  async start(port: number): Promise<Server> {
    const server = createServer(this.requestListener);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, () => resolve());
    });
    this.server = server;
    return server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = Date.now();
    const log = this.opts.logger;
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'POST' || path !== this.opts.path) return void res.writeHead(404).end();

    // Buffer the body ourselves, bounded, before verifying: Bolt's own read has no limit.
    try {
      (req as BufferedIncomingMessage).rawBody = await readBody(req, this.opts.maxBodyBytes ?? 1024 * 1024);
    } catch (err) {
      if (!(err instanceof PayloadTooLargeError)) throw err;
      log.warn({ limit: err.limit }, 'rejected a slack request body over the limit');
      res.writeHead(413, { 'content-type': 'application/json', connection: 'close' }).end('{"error":"payload too large"}');
      return;
    }
    let verified: BufferedIncomingMessage;
    try {
      verified = await http.parseAndVerifyHTTPRequest({ enabled: true, signingSecret: this.opts.signingSecret }, req);
    } catch (err) {
      log.warn({ reason: failureSummary(err).message }, 'rejected an unverified slack request');
      return http.buildNoBodyResponse(res, 401);
    }

    let body: unknown;
    try {
      body = http.parseHTTPRequestBody(verified);
    } catch (err) {
      log.warn({ reason: failureSummary(err).message }, 'rejected a slack request whose body does not parse');
      return http.buildNoBodyResponse(res, 400);
    }
    const check = checkSlackRequest(body);
    switch (check.kind) {
      case 'malformed':
        log.warn({ reason: check.reason }, 'rejected a slack request that is not a payload');
        return http.buildNoBodyResponse(res, 400);
      case 'ssl_check':
        return http.buildSSLCheckResponse(res);
      case 'url_verification':
        return http.buildUrlVerificationResponse(res, body);
      case 'invalid':
        log.warn({ what: check.what, issues: check.issues.slice(0, 10) }, 'ignored an invalid slack request');
        return http.buildContentResponse(res, undefined);
      case 'handle':
        return this.dispatch(req, res, verified, body as Record<string, unknown>, receivedAt);
    }
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, verified: BufferedIncomingMessage, body: Record<string, unknown>, receivedAt: number): Promise<void> {
    if (!this.app) throw new Error('the slack receiver was not initialised by an App');
    const responder = new HTTPResponseAck({
      logger: this.opts.boltLogger,
      processBeforeResponse: false,
      httpRequest: verified,
      httpRequestBody: body,
      httpResponse: res,
    });
    const bound = responder.bind();
    let acked = false;
    const ack = async (response?: unknown) => {
      acked = true;
      await bound(response);
    };
    try {
      await this.app.processEvent({
        body,
        ack,
        retryNum: http.extractRetryNumFromHTTPRequest(req),
        retryReason: http.extractRetryReasonFromHTTPRequest(req),
        customProperties: { [SIGNATURE_HASH]: signatureHash(req), [RECEIVED_AT]: receivedAt },
      });
      if (!acked) {
        // No listener took it (another slash command, an event type without a listener): answer, do not retry.
        this.opts.logger.info({ type: body['type'] ?? body['command'] }, 'no listener for this slack request; acknowledged and ignored');
        await ack();
      }
    } catch (err) {
      responder.ack(); // stops Bolt's "not acknowledged within 3 seconds" timer
      this.opts.logger.error({ err: failureSummary(err) }, 'slack request failed');
      if (!res.headersSent) res.writeHead(500).end();
    }
  }
}

/**
 * sha256 of the request's timestamp and signature as the verifier reads them (the timestamp as a number, the
 * hex after `v0=`), so a replay with reformatted headers (`01796166219`, `v0=<hex>=x`) is the same request.
 */
export function signatureHash(req: IncomingMessage): string {
  const ts = Number(String(req.headers['x-slack-request-timestamp'] ?? ''));
  const sig = String(req.headers['x-slack-signature'] ?? '').split('=')[1] ?? '';
  return createHash('sha256').update(`${ts}:${sig.toLowerCase()}`).digest('hex');
}
