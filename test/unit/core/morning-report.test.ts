import { describe, expect, it } from 'vitest';
import { computeDora, type DoraReport } from '../../../src/core/domain/dora.js';
import { buildMorningReport, deploymentsSince, type MorningReportData } from '../../../src/core/domain/morning-report.js';
import type { Deployment } from '../../../src/core/ports/deployment.port.js';

const NOW = new Date('2026-11-23T07:00:00Z');

function dep(id: string, over: Partial<Deployment> & { started: string; finished?: string }): Deployment {
  const { started, finished, ...rest } = over;
  return {
    id,
    actionId: `a-${id}`,
    kind: 'deploy',
    project: 'shop',
    env: 'prod',
    service: 'api',
    version: '2.0.0',
    image: 'reg/shop/api:2.0.0',
    previousVersion: '1.9.0',
    previousImage: 'reg/shop/api:1.9.0',
    requestedBy: 'alice',
    approvedBy: null,
    startedAt: new Date(started),
    finishedAt: finished ? new Date(finished) : null,
    status: finished ? 'succeeded' : 'running',
    steps: [],
    source: 'deckhand',
    ...rest,
  };
}

const emptyDora: DoraReport = computeDora([], [], { days: 30 }, NOW);

function data(over: Partial<MorningReportData> = {}): MorningReportData {
  return {
    project: 'shop',
    now: NOW,
    since: new Date('2026-11-22T07:00:00Z'),
    timezone: 'UTC',
    people: { alice: 'Alice', bob: 'Bob' },
    services: { total: 2, problems: [] },
    deployments: [],
    incidents: [],
    onCall: [],
    locks: [],
    freezes: [],
    dora: { envs: ['prod'], report: emptyDora },
    ...over,
  };
}

describe('deploymentsSince', () => {
  it('keeps what changed after the instant, failed and rolled back first, each group newest first', () => {
    const list = [
      dep('old', { started: '2026-11-22T06:00:00Z', finished: '2026-11-22T07:00:00Z' }), // finished exactly at `since`
      dep('ok1', { started: '2026-11-22T08:00:00Z', finished: '2026-11-22T08:05:00Z' }),
      dep('bad1', { started: '2026-11-22T09:00:00Z', finished: '2026-11-22T09:05:00Z', status: 'failed' }),
      dep('run', { started: '2026-11-23T06:00:00Z' }),
      dep('back', { started: '2026-11-22T12:00:00Z', finished: '2026-11-22T12:05:00Z', status: 'rolled_back' }),
      dep('late', { started: '2026-11-22T06:50:00Z', finished: '2026-11-22T07:10:00Z' }), // started before, finished after
    ];
    expect(deploymentsSince(list, new Date('2026-11-22T07:00:00Z')).map((d) => d.id)).toEqual(['back', 'bad1', 'run', 'ok1', 'late']);
  });
});

describe('buildMorningReport', () => {
  it('lists deploys since the last report, not only the last 24 h, in the report time zone', () => {
    const reply = buildMorningReport(
      data({
        since: new Date('2026-11-20T07:00:00Z'),
        timezone: 'America/New_York',
        deployments: [dep('d1', { started: '2026-11-21T15:00:00Z', finished: '2026-11-21T15:04:00Z', kind: 'restart', version: '1.9.0', requestedBy: 'zed' })],
      }),
    );
    expect(reply.tone).toBe('info');
    expect(reply.blocks.slice(0, 5)).toEqual([
      { type: 'header', text: 'Morning report: shop' },
      { type: 'context', text: 'Mon 23 Nov 02:00 EST' },
      { type: 'text', text: 'Services: all 2 services healthy' },
      { type: 'text', text: 'Deploys since Fri 20 Nov 02:00 EST: 1' },
      {
        type: 'table',
        columns: ['WHEN', 'ENV', 'SERVICE', 'KIND', 'VERSION', 'STATUS', 'BY'],
        rows: [['Sat 21 Nov 10:04 EST', 'prod', 'api', 'restart', '1.9.0', 'succeeded', 'zed']],
      },
    ]);
  });

  it('shows every rotation of the project, nobody before a rotation starts, and no rotation plainly', () => {
    const onCall = [
      { current: 'Alice', next: 'Bob', nextHandoff: new Date('2026-11-23T08:00:00Z'), timezone: 'Europe/Berlin' },
      { current: null, next: 'Carol', nextHandoff: new Date('2026-12-01T09:00:00Z'), timezone: 'UTC' },
    ];
    const fields = buildMorningReport(data({ onCall })).blocks.find((b) => b.type === 'fields');
    expect(fields).toEqual({
      type: 'fields',
      fields: [
        { label: 'On call now', value: 'Alice' },
        { label: 'Next handoff', value: 'Bob at Mon 23 Nov 09:00 GMT+1' },
        { label: 'On call now', value: 'nobody yet' },
        { label: 'Next handoff', value: 'Carol at Tue 1 Dec 09:00 UTC' },
      ],
    });
    expect(buildMorningReport(data()).text).toContain('On call: no rotation configured');
  });

  it('gives the DORA snapshot with lead time and restore time when known', () => {
    const report: DoraReport = {
      ...emptyDora,
      deploys: 12,
      perDay: 0.4,
      perWeek: 2.8,
      leadTime: { medianMs: 5_400_000, samples: 4 },
      changeFailure: { failed: 1, total: 8, rate: 0.125 },
      timeToRestore: { medianMs: 2_700_000, samples: 12, p90Ms: 7_200_000 },
    };
    const reply = buildMorningReport(data({ dora: { envs: ['prod', 'prod-eu'], report } }));
    expect(reply.blocks.slice(-2)).toEqual([
      { type: 'text', text: 'DORA, last 30 days (prod, prod-eu)' },
      {
        type: 'fields',
        fields: [
          { label: 'Deployment frequency', value: '12 deploys (0.4/day)' },
          { label: 'Lead time', value: 'median 1h 30m' },
          { label: 'Change failure rate', value: '12.5% (1 of 8)' },
          { label: 'Time to restore', value: 'median 45m, p90 2h' },
        ],
      },
    ]);
  });

  it('lists open incidents with how long they have been open, after the deploys, and warns about them', () => {
    const incidents = [
      { id: 'inc7', title: 'HighErrorRate', openedAt: new Date('2026-11-23T06:48:00Z') },
      { id: 'inc3', title: 'DiskFull', openedAt: new Date('2026-11-21T05:00:00Z') },
    ];
    const reply = buildMorningReport(data({ incidents }));
    expect(reply.tone).toBe('warning');
    const at = reply.blocks.findIndex((b) => b.type === 'text' && b.text === 'Open incidents: 2');
    expect(reply.blocks[at - 1]).toEqual({ type: 'text', text: 'Deploys since Sun 22 Nov 07:00 UTC: none' });
    expect(reply.blocks[at + 1]).toEqual({
      type: 'table',
      columns: ['INCIDENT', 'TITLE', 'OPEN FOR'],
      rows: [
        ['inc7', 'HighErrorRate', '12m'],
        ['inc3', 'DiskFull', '2d 2h'],
      ],
    });
    const quiet = buildMorningReport(data());
    expect(quiet.tone).toBe('info');
    expect(quiet.text).toContain('Open incidents: none');
  });

  it('warns on a failed deploy since the last report even when every service is healthy', () => {
    const failed = dep('f', { started: '2026-11-22T10:00:00Z', finished: '2026-11-22T10:03:00Z', status: 'failed' });
    expect(buildMorningReport(data({ deployments: [failed] })).tone).toBe('warning');
    expect(buildMorningReport(data({ deployments: [failed], since: new Date('2026-11-22T11:00:00Z') })).tone).toBe('info');
  });
});

describe('morning report: critical bugs', () => {
  it('says how many critical bugs are open and lists the oldest three, only where bug reports are wired', () => {
    const oldest = [
      { ref: '#12', title: 'Checkout says 500 for every card that was saved', createdAt: new Date('2026-11-20T12:00:00Z') },
      { ref: 'B3', title: 'Login loops', createdAt: new Date('2026-11-23T06:00:00Z') },
    ];
    const reply = buildMorningReport(data({ criticalBugs: { count: 4, oldest } }));
    const at = reply.blocks.findIndex((b) => b.type === 'text' && b.text === 'Critical bugs: 4 open');
    expect(at).toBeGreaterThan(0);
    expect(reply.blocks[at + 1]).toEqual({
      type: 'table',
      columns: ['BUG', 'TITLE', 'OPEN FOR'],
      rows: [
        ['#12', 'Checkout says 500 for every c…', '2d 19h'],
        ['B3', 'Login loops', '1h'],
      ],
    });
    const none = buildMorningReport(data({ criticalBugs: { count: 0, oldest: [] } }));
    expect(none.blocks.filter((b) => b.type === 'text' && b.text.startsWith('Critical bugs'))).toEqual([{ type: 'text', text: 'Critical bugs: 0 open' }]);
    expect(buildMorningReport(data()).text).not.toContain('Critical bugs');
  });
});
