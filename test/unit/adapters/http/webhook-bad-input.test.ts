import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ALERTMANAGER_WEBHOOK_PATH, createAlertmanagerWebhookHandler } from '../../../../src/adapters/http/alertmanager.handler.js';
import { createGitHubWebhookHandler } from '../../../../src/adapters/http/github-webhook.handler.js';
import { signGitHubPayload } from '../../../../src/adapters/http/github-webhook.signature.js';
import { createHttpServer, type HttpServer } from '../../../../src/adapters/http/http-server.js';
import { containsNul, jsonNestsDeeperThan, parseJsonBody } from '../../../../src/adapters/http/webhook-body.js';
import { silentLogger } from '../../../../src/core/ports/logger.port.js';
import { MemoryIncidentStore } from '../../../fakes/memory-incidents.js';
import { MemoryDeploymentStore, RecordingNotifier } from '../../../fakes/memory-stores.js';
import { MemoryAuditLog } from '../../../fakes/memory-audit.js';
import { MemoryUnitOfWork } from '../../../fakes/memory-unit-of-work.js';

/** Malformed input to the Alertmanager and GitHub webhooks is a 4xx (or a 2xx and ignored), never a 5xx. */

const TOKEN = 'alertmanager-token-for-tests';
const SECRET = 'webhook-secret-for-tests';
/** Never echoed back: it only appears in the payloads sent. */
const CANARY = 'canary-9f3b2c-value';

const servers: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start() {
  const incidents = new MemoryIncidentStore();
  const deployments = new MemoryDeploymentStore();
  const notifier = new RecordingNotifier();
  const alertmanager = createAlertmanagerWebhookHandler({
    auth: { bearerToken: TOKEN },
    incidents,
    notifier,
    unit: new MemoryUnitOfWork({ incidents, notifier }),
    audit: new MemoryAuditLog(),
    clock: { now: () => new Date('2026-11-23T12:00:00Z') },
    logger: silentLogger,
    projects: new Set(['shop']),
    nameOf: (id) => id,
    catalog: { projects: [] },
    settings: { serviceLabel: 'service', envLabel: 'env', silenceMs: 3_600_000 },
  });
  const github = createGitHubWebhookHandler({
    secret: SECRET,
    deployments,
    notifier,
    audit: new MemoryAuditLog(),
    clock: { now: () => new Date('2026-11-23T12:00:00Z') },
    logger: silentLogger,
    resolveService: () => null,
  });
  const server = createHttpServer({
    logger: silentLogger,
    metricsRegistry: new Registry(),
    routes: [
      { method: 'POST', path: ALERTMANAGER_WEBHOOK_PATH, handler: alertmanager },
      { method: 'POST', path: '/webhooks/github', handler: github },
    ],
  });
  servers.push(server);
  const { port } = await server.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  const answer = async (res: Response) => {
    const text = await res.text();
    return { status: res.status, text, body: JSON.parse(text) as Record<string, unknown> };
  };
  const toAlertmanager = async (raw: string, contentType: string | null = 'application/json') => {
    const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
    if (contentType) headers['content-type'] = contentType;
    return answer(await fetch(`${base}${ALERTMANAGER_WEBHOOK_PATH}`, { method: 'POST', headers, body: raw }));
  };
  let n = 0;
  const toGitHub = async (raw: string, event = 'deployment_status', contentType = 'application/json') => {
    const headers = { 'content-type': contentType, 'x-github-event': event, 'x-github-delivery': `d-${++n}`, 'x-hub-signature-256': signGitHubPayload(SECRET, raw) };
    return answer(await fetch(`${base}/webhooks/github`, { method: 'POST', headers, body: raw }));
  };
  return { base, incidents, deployments, toAlertmanager, toGitHub };
}

const nestedArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const nestedObjects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

/** Bodies no webhook should accept, each with the error it gets. */
const badBodies: [name: string, raw: string, error: string][] = [
  ['empty', '', 'body is empty'],
  ['whitespace', ' \r\n\t ', 'body is empty'],
  ['truncated JSON', `{"version":"4","groupKey":"${CANARY}"`, 'body is not JSON'],
  ['not JSON at all', `groupKey=${CANARY}`, 'body is not JSON'],
  ['a lone surrogate-laden string', '"\\ud800', 'body is not JSON'],
  ['2,000 nested arrays', nestedArrays(2000), 'body is too deeply nested'],
  ['2,000 nested objects', nestedObjects(2000), 'body is too deeply nested'],
  ['65 nested arrays', nestedArrays(65), 'body is too deeply nested'],
  // PostgreSQL text and jsonb cannot hold U+0000: storing it would fail with a 5xx.
  ['a NUL in a value', '{"version":"4","receiver":"a\\u0000b","deployment":{"ref":"\\u0000"}}', 'body contains a NUL character'],
  ['a NUL in a key', '{"labels":{"a\\u0000":"x"}}', 'body contains a NUL character'],
];

/** JSON of the wrong shape: the answer names fields, never values. */
const wrongShapes: [name: string, raw: string][] = [
  ['null', 'null'],
  ['a number', '42'],
  ['a string', JSON.stringify(CANARY)],
  ['an array', JSON.stringify([{ groupKey: CANARY }])],
  ['an object of wrong types', JSON.stringify({ version: 4, groupKey: 7, status: CANARY, alerts: CANARY, deployment: CANARY, repository: [CANARY] })],
  ['a proto key', `{"__proto__":{"status":"firing"},"version":"4","labels":"${CANARY}"}`],
  ['a deep but allowed nesting', JSON.stringify({ alerts: JSON.parse(nestedArrays(60)) as unknown, deployment: { sha: CANARY } })],
];

describe.each([
  ['Alertmanager', 'toAlertmanager'],
  ['GitHub (signed)', 'toGitHub'],
] as const)('%s webhook, unparseable bodies', (_receiver, send) => {
  it.each(badBodies)('refuses %s with a 400 naming the problem, promptly', async (_name, raw, error) => {
    const s = await start();
    const started = performance.now();

    const res = await s[send](raw);

    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error });
    expect(performance.now() - started).toBeLessThan(2000);
    expect((await fetch(`${s.base}/healthz`)).status).toBe(200);
  });
});

describe('Alertmanager webhook bad input', () => {
  it.each(wrongShapes)('refuses %s with a 400 that echoes no value', async (_name, raw) => {
    const s = await start();

    const res = await s.toAlertmanager(raw);

    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid Alertmanager payload');
    expect(typeof res.body.detail).toBe('string');
    expect(res.text).not.toContain(CANARY);
    expect(res.text).not.toMatch(/\n\s+at /);
  });

  it('refuses a body that is not declared as JSON', async () => {
    const s = await start();
    const valid = JSON.stringify({ version: '4', groupKey: 'g', status: 'firing', receiver: 'deckhand', alerts: [] });

    expect(await s.toAlertmanager(valid, 'text/plain')).toMatchObject({ status: 400, body: { error: 'content-type must be application/json' } });
    expect(await s.toAlertmanager(valid, 'application/x-www-form-urlencoded')).toMatchObject({ status: 400 });
    expect((await s.toAlertmanager(valid, 'application/json; charset=utf-8')).status).toBe(200);
  });

  it('acknowledges a valid group for no known project with 200 and opens nothing', async () => {
    const s = await start();
    const alert = { status: 'firing', labels: { alertname: 'Down', project: 'elsewhere' }, annotations: {}, startsAt: '2026-11-23T11:59:00Z', fingerprint: 'abc123' };
    const group = { version: '4', groupKey: '{}:{alertname="Down"}', status: 'firing', receiver: 'deckhand', alerts: [alert] };

    const res = await s.toAlertmanager(JSON.stringify(group));

    expect(res).toMatchObject({ status: 200, body: { status: 'ok', unrouted: 1, incidents: [] } });
  });
});

describe('GitHub webhook bad input', () => {
  it.each(wrongShapes)('refuses %s with a 400 that echoes no value', async (_name, raw) => {
    const s = await start();

    for (const event of ['deployment_status', 'workflow_run']) {
      const res = await s.toGitHub(raw, event);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe(`invalid ${event} payload`);
      expect(res.text).not.toContain(CANARY);
    }
    expect(s.deployments.rows).toHaveLength(0);
  });

  it('refuses a form-encoded delivery with a 400 saying which content type to configure', async () => {
    const s = await start();

    const res = await s.toGitHub(`payload=${encodeURIComponent('{"action":"created"}')}`, 'deployment_status', 'application/x-www-form-urlencoded');

    expect(res).toMatchObject({ status: 400, body: { error: 'content-type must be application/json' } });
  });

  it('acknowledges events it does not handle, whatever their body, without a 5xx', async () => {
    const s = await start();

    expect(await s.toGitHub(nestedArrays(2000), 'push')).toMatchObject({ status: 202, body: { status: 'ignored', event: 'push' } });
    expect((await s.toGitHub('', 'issues')).status).toBe(202);
  });

  it('refuses unsigned garbage with 401 before looking at it', async () => {
    const s = await start();
    const res = await fetch(`${s.base}/webhooks/github`, { method: 'POST', headers: { 'x-github-event': 'push', 'x-github-delivery': 'x' }, body: nestedObjects(2000) });
    expect(res.status).toBe(401);
  });
});

describe('parseJsonBody', () => {
  it('returns a discriminated result when given options, and the bare value (or undefined) without', () => {
    expect(parseJsonBody(Buffer.from('{"a":[1,2]}'), {})).toEqual({ ok: true, value: { a: [1, 2] } });
    expect(parseJsonBody('', {})).toEqual({ ok: false, reason: 'empty' });
    expect(parseJsonBody('{"a":', {})).toEqual({ ok: false, reason: 'not JSON' });
    expect(parseJsonBody(nestedArrays(5), { maxDepth: 4 })).toEqual({ ok: false, reason: 'too deeply nested' });
    expect(parseJsonBody(nestedArrays(4), { maxDepth: 4 })).toEqual({ ok: true, value: [[[[]]]] });
    expect(parseJsonBody(Buffer.from('[1]'))).toEqual({ ok: true, value: [1] });
    expect(parseJsonBody(Buffer.from(nestedArrays(65)))).toEqual({ ok: false, reason: 'too deeply nested' });
    expect(parseJsonBody(Buffer.from('nope'))).toEqual({ ok: false, reason: 'not JSON' });
  });

  it('counts brackets outside strings only, escapes included', () => {
    expect(jsonNestsDeeperThan(JSON.stringify({ s: '[[[[[[[[' }), 2)).toBe(false);
    expect(jsonNestsDeeperThan(JSON.stringify({ s: 'a\\"[[[[[[', t: '"{{{{{' }), 2)).toBe(false);
    expect(jsonNestsDeeperThan('{"a":{"b":{"c":1}}}', 2)).toBe(true);
    expect(jsonNestsDeeperThan('[[],[],[[]]]', 3)).toBe(false);
    expect(jsonNestsDeeperThan('[[],[],[[[]]]]', 3)).toBe(true);
  });

  it('finds U+0000 in any string or key, and nothing else', () => {
    expect(containsNul(JSON.parse('{"a":[1,{"b":"x\\u0000"}]}'))).toBe(true);
    expect(containsNul(JSON.parse('{"\\u0000":1}'))).toBe(true);
    expect(containsNul(JSON.parse('{"a":[1,{"b":"\\\\u0000 is fine escaped"}],"n":null}'))).toBe(false);
  });

  it('scans a megabyte of deep nesting in a few milliseconds', () => {
    const raw = nestedArrays(512 * 1024);
    const started = performance.now();
    expect(parseJsonBody(raw)).toEqual({ ok: false, reason: 'too deeply nested' });
    expect(performance.now() - started).toBeLessThan(200);
  });
});
