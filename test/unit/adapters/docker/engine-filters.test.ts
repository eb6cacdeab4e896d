import { describe, expect, it } from 'vitest';
import { selectorKey } from '../../../../src/adapters/docker/container-index.js';
import { stateChange } from '../../../../src/adapters/docker/engine-events.js';
import { listFilters } from '../../../../src/adapters/docker/engine-filters.js';

describe('listFilters: one filtered list per selector shape', () => {
  it('lists label selectors of one shape together by the pairs they share and the keys they differ in', () => {
    expect(
      listFilters([
        { labels: { project: 'shop', service: 'api' } },
        { labels: { service: 'web', project: 'shop' } },
        { labels: { project: 'shop', service: 'worker' } },
      ]),
    ).toEqual([{ name: [], label: ['project=shop', 'service'] }]);
  });

  it('gives each shape its own list, and named selectors one list of anchored names', () => {
    expect(
      listFilters([
        { labels: { app: 'shop' } },
        { name: 'db' },
        { labels: { app: 'shop', role: 'cron' } },
        { name: 'cache.1', labels: { app: 'shop' } },
        { name: 'db' },
      ]),
    ).toEqual([
      { name: ['^/?db$', '^/?cache\\.1$'], label: [] },
      { name: [], label: ['app=shop'] },
      { name: [], label: ['app=shop', 'role=cron'] },
    ]);
  });

  it('lists a shape sharing no pair one selector at a time rather than every container with the key', () => {
    expect(listFilters([{ labels: { service: 'api' } }, { labels: { service: 'web' } }, { labels: { service: 'api' } }])).toEqual([
      { name: [], label: ['service=api'] },
      { name: [], label: ['service=web'] },
    ]);
  });

  it('never produces an unfiltered list: selectors with neither name nor labels add none', () => {
    expect(listFilters([{}, { labels: {} }])).toEqual([]);
    for (const filter of listFilters([{ labels: { a: '1' } }, { name: 'x' }, {}])) expect(filter.name.length + filter.label.length).toBeGreaterThan(0);
  });
});

describe('stateChange: which engine events may change what status shows', () => {
  const event = (action: string, extra: object = {}) => ({
    Type: 'container',
    Action: action,
    Actor: { ID: 'abc123', Attributes: { name: 'shop-api-1', app: 'shop' } },
    time: 1_700_000_000,
    ...extra,
  });

  it('takes Docker’s and Podman 4’s words for the same changes', () => {
    for (const action of ['create', 'start', 'die', 'died', 'stop', 'destroy', 'remove', 'rename', 'update', 'health_status', 'health_status: healthy', 'restart', 'pause']) {
      // The action without Docker's appended state: health events are read again a moment later.
      expect(stateChange(event(action))).toEqual({ id: 'abc123', name: 'shop-api-1', attributes: { name: 'shop-api-1', app: 'shop' }, action: action.split(':')[0] });
    }
  });

  it('ignores exec, attach and other events that change nothing status shows, and other types', () => {
    for (const action of ['exec_create: sh -c true', 'exec_start: sh', 'exec_die', 'exec_died', 'exec', 'attach', 'top', 'resize', 'commit', 'copy']) {
      expect(stateChange(event(action))).toBeNull();
    }
    expect(stateChange({ ...event('start'), Type: 'image' })).toBeNull();
    expect(stateChange({ Type: 'container', Action: 'start' })).toBeNull();
  });

  it('reads the old `status`/`id` fields when Action and Actor are missing', () => {
    expect(stateChange({ status: 'start', id: 'def456' })).toEqual({ id: 'def456', name: undefined, attributes: {}, action: 'start' });
  });
});

describe('selectorKey', () => {
  it('is the same for the same selector whatever the order of its labels', () => {
    expect(selectorKey({ labels: { a: '1', b: '2' } })).toBe(selectorKey({ labels: { b: '2', a: '1' } }));
    expect(selectorKey({ name: 'x' })).not.toBe(selectorKey({ name: 'x', labels: { a: '1' } }));
    expect(selectorKey({ labels: { a: '1' } })).not.toBe(selectorKey({ labels: { a: '2' } }));
  });
});
