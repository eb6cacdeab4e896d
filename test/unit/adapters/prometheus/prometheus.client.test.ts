/** The Prometheus client through fetch, with Prometheus' HTTP API intercepted at the network (msw). */
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPrometheusClient } from '../../../../src/adapters/prometheus/prometheus.client.js';
import { TimeSeriesQueryError, TimeSeriesUnavailableError } from '../../../../src/core/ports/timeseries.port.js';

const BASE = 'http://prom.test:9090';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const requests: { path: string; form: URLSearchParams; auth: string | null }[] = [];
function answer(path: string, body: Record<string, unknown>, status = 200) {
  server.use(
    http.post(`${BASE}${path}`, async ({ request }) => {
      requests.push({ path, form: new URLSearchParams(await request.text()), auth: request.headers.get('authorization') });
      return HttpResponse.json(body, { status });
    }),
  );
}

describe('Prometheus client', () => {
  it('posts an instant query with its time and reads the vector, NaN included', async () => {
    answer('/api/v1/query', {
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: { job: 'api' }, value: [1764590400, '0.25'] }, { metric: {}, value: [1764590400, 'NaN'] }] },
    });
    const client = createPrometheusClient({ url: `http://user:p%40ss@prom.test:9090` });
    const samples = await client.instant('up', new Date('2025-12-01T12:00:00Z'));
    expect(samples[0]).toEqual({ labels: { job: 'api' }, value: 0.25 });
    expect(Number.isNaN(samples[1]!.value)).toBe(true);
    const req = requests.at(-1)!;
    expect([req.form.get('query'), req.form.get('time')]).toEqual(['up', '1764590400']);
    expect(req.auth).toBe(`Basic ${Buffer.from('user:p@ss').toString('base64')}`);
  });

  it('reads a range query as points', async () => {
    answer('/api/v1/query_range', {
      status: 'success',
      data: { resultType: 'matrix', result: [{ metric: {}, values: [[100, '1'], [160, '+Inf']] }] },
    });
    const series = await createPrometheusClient({ url: BASE }).range('x', new Date(100_000), new Date(160_000), 60_000);
    expect(series[0]!.points).toEqual([
      { at: new Date(100_000), value: 1 },
      { at: new Date(160_000), value: Infinity },
    ]);
    expect(Object.fromEntries(requests.at(-1)!.form)).toEqual({ query: 'x', start: '100', end: '160', step: '60' });
  });

  it('says what Prometheus said about a bad expression, as a query error', async () => {
    answer('/api/v1/query', { status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": 1:5: parse error: unexpected "}"' }, 400);
    const err = await createPrometheusClient({ url: BASE }).instant('up{').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeSeriesQueryError);
    expect((err as Error).message).toBe('Prometheus refused the query: invalid parameter "query": 1:5: parse error: unexpected "}"');
  });

  it('answers "Prometheus unreachable" for a refused connection, a timeout, a page that is not its API', async () => {
    server.use(http.post(`${BASE}/api/v1/query`, () => HttpResponse.error()));
    await expect(createPrometheusClient({ url: BASE }).instant('up')).rejects.toThrow(/^Prometheus unreachable/);

    server.use(http.post(`${BASE}/api/v1/query`, async () => {
      await delay('infinite');
      return HttpResponse.json({});
    }));
    const started = performance.now();
    const slow = await createPrometheusClient({ url: BASE, timeoutMs: 5000 }).instant('up', undefined, { timeoutMs: 150 }).catch((e: unknown) => e);
    expect(slow).toBeInstanceOf(TimeSeriesUnavailableError);
    expect((slow as Error).message).toBe('Prometheus unreachable (no answer within 150ms)');
    expect(performance.now() - started).toBeLessThan(2000);

    server.use(http.post(`${BASE}/api/v1/query`, () => new HttpResponse('<html>502 Bad Gateway</html>', { status: 502 })));
    await expect(createPrometheusClient({ url: BASE }).instant('up')).rejects.toThrow('Prometheus unreachable (HTTP 502, not its API)');

    answer('/api/v1/query', { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: ['soon', 1] }] } });
    await expect(createPrometheusClient({ url: BASE }).instant('up')).rejects.toThrow('Prometheus unreachable (HTTP 200, an answer not of its API)');

    answer('/api/v1/query', { status: 'error', errorType: 'unavailable', error: 'TSDB not ready' }, 503);
    await expect(createPrometheusClient({ url: BASE }).instant('up')).rejects.toThrow('Prometheus unreachable (HTTP 503: TSDB not ready)');
  });

  it('refuses a range vector where a value is needed', async () => {
    answer('/api/v1/query', { status: 'success', data: { resultType: 'matrix', result: [] } });
    await expect(createPrometheusClient({ url: BASE }).instant('up[5m]')).rejects.toBeInstanceOf(TimeSeriesQueryError);
  });
});
