import { createHmac } from 'node:crypto';

/** Sends requests to a local Bolt receiver signed exactly as Slack signs them. */
export class SignedSlackClient {
  constructor(
    private readonly baseUrl: string,
    private readonly signingSecret: string,
  ) {}

  sign(rawBody: string, timestamp: number, secret = this.signingSecret): Record<string, string> {
    const base = `v0:${timestamp}:${rawBody}`;
    const signature = `v0=${createHmac('sha256', secret).update(base).digest('hex')}`;
    return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature };
  }

  async post(
    rawBody: string,
    contentType: string,
    opts: { timestamp?: number; secret?: string; headers?: Record<string, string>; path?: string } = {},
  ): Promise<{ status: number; body: string }> {
    const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
    const res = await fetch(`${this.baseUrl}${opts.path ?? '/slack/events'}`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...this.sign(rawBody, ts, opts.secret), ...opts.headers },
      body: rawBody,
    });
    return { status: res.status, body: await res.text() };
  }

  /** Slash commands are form-encoded. */
  command(fields: Record<string, string>, opts?: Parameters<SignedSlackClient['post']>[2]) {
    return this.post(new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded', opts);
  }

  /** Interactions post a form field `payload` holding JSON. */
  interaction(payload: unknown, opts?: Parameters<SignedSlackClient['post']>[2]) {
    return this.post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded', opts);
  }

  /** Events API posts JSON. */
  event(envelope: unknown, opts?: Parameters<SignedSlackClient['post']>[2]) {
    return this.post(JSON.stringify(envelope), 'application/json', opts);
  }
}
