/**
 * The Alertmanager alert reader against a local HTTP server playing API v2: the query it sends (every
 * state, one escaped filter per matcher), credentials, and short errors for refusals, garbage, the wrong
 * shape, timeouts and an unreachable server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertsQuery, createAlertmanagerAlertSource, matcherFilter } from '../../../../src/adapters/http/alertmanager.alerts.js';

let server: Server;
let base: string;
const seen: { method: string; url: string; headers: IncomingMessage['headers'] }[] = [];
let answer: (res: ServerResponse) => void = (res) => res.end();

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume().on('end', () => answer(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const json = (status: number, body: unknown) => (res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const gettable = (fingerprint: string, state = 'suppressed') => ({
  annotations: {},
  endsAt: '2026-11-23T12:10:00.000Z',
  fingerprint,
  receivers: [{ name: 'deckhand' }],
  startsAt: '2026-11-23T12:00:00.000Z',
  status: { inhibitedBy: [], silencedBy: ['s1'], state },
  updatedAt: '2026-11-23T12:01:00.000Z',
  labels: { alertname: 'HighErrorRate', project: 'shop' },
});
const matchers = [
  { name: 'alertname', value: 'HighErrorRate' },
  { name: 'project', value: 'shop' },
];

describe('createAlertmanagerAlertSource', () => {
  it('lists alerts in every state filtered by the matchers and returns their fingerprints', async () => {
    answer = json(200, [gettable('4a1b2c3d4e5f6071'), gettable('0f0e0d0c0b0a0908', 'active')]);
    const found = await createAlertmanagerAlertSource({ url: `${base}/` }).activeFingerprints(matchers);
    expect(found).toEqual(new Set(['4a1b2c3d4e5f6071', '0f0e0d0c0b0a0908']));
    const req = seen.at(-1)!;
    expect(req.method).toBe('GET');
    const url = new URL(req.url, base);
    expect(url.pathname).toBe('/api/v2/alerts');
    expect(Object.fromEntries(['active', 'silenced', 'inhibited', 'unprocessed'].map((k) => [k, url.searchParams.get(k)]))).toEqual({
      active: 'true',
      silenced: 'true',
      inhibited: 'true',
      unprocessed: 'true',
    });
    expect(url.searchParams.getAll('filter')).toEqual(['alertname="HighErrorRate"', 'project="shop"']);
    expect(req.headers['authorization']).toBeUndefined();
  });

  it('keeps a path prefix and sends credentials from the URL as Basic auth', async () => {
    answer = json(200, []);
    const withAuth = base.replace('http://', 'http://deck:s%40cret@');
    expect(await createAlertmanagerAlertSource({ url: `${withAuth}/am` }).activeFingerprints([])).toEqual(new Set());
    const req = seen.at(-1)!;
    expect(new URL(req.url, base).pathname).toBe('/am/api/v2/alerts');
    expect(req.headers['authorization']).toBe(`Basic ${Buffer.from('deck:s@cret').toString('base64')}`);
  });

  it('reads the start time from the status', async () => {
    answer = json(200, { uptime: '2026-11-23T11:54:16.045123456Z', cluster: { status: 'disabled' }, versionInfo: {} });
    expect(await createAlertmanagerAlertSource({ url: base }).startedAt()).toEqual(new Date('2026-11-23T11:54:16.045Z'));
    expect(new URL(seen.at(-1)!.url, base).pathname).toBe('/api/v2/status');
  });

  it('refuses garbage, the wrong shape and refusals with short errors', async () => {
    const source = createAlertmanagerAlertSource({ url: base });
    answer = (res) => res.end('<html>not json</html>');
    await expect(source.activeFingerprints(matchers)).rejects.toThrow('Alertmanager answered the alert list with something that is not JSON');
    answer = json(200, [{ fingerprint: 'not hex!', labels: {}, status: { state: 'active' } }]);
    await expect(source.activeFingerprints(matchers)).rejects.toThrow('Alertmanager answered the alert list in an unexpected shape');
    answer = json(200, { alerts: [] });
    await expect(source.activeFingerprints(matchers)).rejects.toThrow('Alertmanager answered the alert list in an unexpected shape');
    answer = json(200, { uptime: 'yesterday' });
    await expect(source.startedAt()).rejects.toThrow('Alertmanager answered the status in an unexpected shape');
    answer = (res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify('bad matcher format: x\nmore'));
    };
    await expect(source.activeFingerprints(matchers)).rejects.toThrow(/^Alertmanager refused the alert list: HTTP 400 \(bad matcher format: x\)$/);
  });

  it('gives up after the timeout and says when Alertmanager is unreachable', async () => {
    answer = (res) => setTimeout(() => json(200, [])(res), 1_000);
    await expect(createAlertmanagerAlertSource({ url: base, timeoutMs: 150 }).activeFingerprints(matchers)).rejects.toThrow(
      `Alertmanager at ${new URL(base).host} did not answer within 150ms`,
    );
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(createAlertmanagerAlertSource({ url: `http://127.0.0.1:${port}` }).startedAt()).rejects.toThrow(
      `Alertmanager at 127.0.0.1:${port} is unreachable (ECONNREFUSED)`,
    );
  });
});

describe('alert list query', () => {
  it('escapes quotes, backslashes and newlines in values', () => {
    expect(matcherFilter({ name: 'path', value: 'a"b\\c\nd' })).toBe('path="a\\"b\\\\c\\nd"');
  });

  it('leaves out matchers on names the classic syntax cannot express (they would only narrow the list)', () => {
    expect(alertsQuery([{ name: 'app.kubernetes.io/name', value: 'x' }, ...matchers]).getAll('filter')).toEqual(['alertname="HighErrorRate"', 'project="shop"']);
  });
});
