/**
 * The Alertmanager silencer against a local HTTP server playing Alertmanager's API v2: the request it
 * sends, and the short errors for refusals, odd answers, timeouts and an unreachable server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertmanagerSilencer } from '../../../../src/adapters/http/alertmanager.silencer.js';
import type { NewSilence } from '../../../../src/core/ports/silencer.port.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
let answer: (res: ServerResponse) => void = (res) => res.end();

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: raw ? JSON.parse(raw) : null });
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const silence: NewSilence = {
  matchers: [{ name: 'alertname', value: 'HighErrorRate', isRegex: false, isEqual: true }],
  startsAt: new Date('2026-11-23T12:00:00Z'),
  endsAt: new Date('2026-11-23T13:00:00Z'),
  createdBy: 'Dave',
  comment: 'Deckhand incident inc1: HighErrorRate',
};

const json = (status: number, body: unknown) => (res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe('createAlertmanagerSilencer', () => {
  it('posts the silence to /api/v2/silences and returns the silence id', async () => {
    answer = json(200, { silenceID: '6b5c1a2e-0d1f-4c55-9a8b-0123456789ab' });
    const id = await createAlertmanagerSilencer({ url: `${base}/` }).create(silence);
    expect(id).toBe('6b5c1a2e-0d1f-4c55-9a8b-0123456789ab');
    const req = seen.at(-1)!;
    expect(req).toMatchObject({ method: 'POST', url: '/api/v2/silences' });
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['authorization']).toBeUndefined();
    expect(req.body).toEqual({
      matchers: [{ name: 'alertname', value: 'HighErrorRate', isRegex: false, isEqual: true }],
      startsAt: '2026-11-23T12:00:00.000Z',
      endsAt: '2026-11-23T13:00:00.000Z',
      createdBy: 'Dave',
      comment: 'Deckhand incident inc1: HighErrorRate',
    });
  });

  it('expires a silence with DELETE /api/v2/silence/<id>, and says when Alertmanager refuses', async () => {
    answer = json(200, {});
    const silencer = createAlertmanagerSilencer({ url: base });
    await silencer.expire('6b5c1a2e-0d1f');
    expect(seen.at(-1)).toMatchObject({ method: 'DELETE', url: '/api/v2/silence/6b5c1a2e-0d1f' });
    answer = json(404, { message: 'silence not found' });
    await expect(silencer.expire('gone-1')).rejects.toThrow('Alertmanager did not expire silence gone-1: HTTP 404');
    await expect(silencer.expire('../status')).rejects.toThrow();
  });

  it('keeps a path prefix and sends credentials from the URL as Basic auth, never in the URL', async () => {
    answer = json(200, { silenceID: 's1' });
    const withAuth = base.replace('http://', 'http://deck:s%40cret@');
    await createAlertmanagerSilencer({ url: `${withAuth}/alertmanager` }).create(silence);
    const req = seen.at(-1)!;
    expect(req.url).toBe('/alertmanager/api/v2/silences');
    expect(req.headers['authorization']).toBe(`Basic ${Buffer.from('deck:s@cret').toString('base64')}`);
  });

  it('turns a refusal into a short error with a short reason', async () => {
    answer = (res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify(`silence invalid: invalid label matcher 0: ${'x'.repeat(500)}`));
    };
    const err = await createAlertmanagerSilencer({ url: base }).create(silence).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^Alertmanager refused the silence: HTTP 400 \(silence invalid: invalid label matcher 0: x+…\)$/);
    expect((err as Error).message.length).toBeLessThan(180);
  });

  it('says only the status and the first line of a server error page', async () => {
    answer = (res) => {
      res.writeHead(503, { 'content-type': 'text/html' });
      res.end('<html>Service Unavailable\n<body>secret internals</body></html>');
    };
    const err = (await createAlertmanagerSilencer({ url: base }).create(silence).catch((e: Error) => e)) as Error;
    expect(err.message).toBe('Alertmanager refused the silence: HTTP 503 (<html>Service Unavailable)');
  });

  it('refuses an answer without a silence id, or one that is not JSON', async () => {
    answer = json(200, { id: 'x' });
    await expect(createAlertmanagerSilencer({ url: base }).create(silence)).rejects.toThrow('Alertmanager answered without a silence id');
    answer = (res) => res.end('ok');
    await expect(createAlertmanagerSilencer({ url: base }).create(silence)).rejects.toThrow('Alertmanager answered something that is not JSON');
  });

  it('gives up after the timeout', async () => {
    answer = (res) => setTimeout(() => json(200, { silenceID: 'late' })(res), 1_000);
    const started = Date.now();
    const err = (await createAlertmanagerSilencer({ url: base, timeoutMs: 150 }).create(silence).catch((e: Error) => e)) as Error;
    expect(err.message).toBe(`Alertmanager at ${new URL(base).host} did not answer within 150ms`);
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('says when Alertmanager is unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = (await createAlertmanagerSilencer({ url: `http://127.0.0.1:${port}` }).create(silence).catch((e: Error) => e)) as Error;
    expect(err.message).toBe(`Alertmanager at 127.0.0.1:${port} is unreachable (ECONNREFUSED)`);
  });
});
