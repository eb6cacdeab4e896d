import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { COMMAND_DURATION_BUCKETS, createMetrics } from '../../../src/bot/metrics.js';

describe('createMetrics', () => {
  it('counts commands by intent and outcome and records their duration', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry);

    metrics.commandHandled('status', 'ok', 0.004);
    metrics.commandHandled('status', 'ok', 0.3);
    metrics.commandHandled('deploy', 'denied', 12);

    const text = await registry.metrics();
    expect(text).toContain('deckhand_commands_total{intent="status",outcome="ok"} 2');
    expect(text).toContain('deckhand_commands_total{intent="deploy",outcome="denied"} 1');
    expect(text).toContain('deckhand_command_duration_seconds_bucket{le="0.005",intent="status"} 1');
    expect(text).toContain('deckhand_command_duration_seconds_bucket{le="0.5",intent="status"} 2');
    expect(text).toContain('deckhand_command_duration_seconds_bucket{le="10",intent="deploy"} 0');
    expect(text).toContain('deckhand_command_duration_seconds_bucket{le="+Inf",intent="deploy"} 1');
    expect(text).toContain('deckhand_command_duration_seconds_count{intent="status"} 2');
  });

  it('uses buckets from 5 ms to 10 s', () => {
    expect(COMMAND_DURATION_BUCKETS[0]).toBe(0.005);
    expect(COMMAND_DURATION_BUCKETS.at(-1)).toBe(10);
  });

  it('counts runtime errors by host and operation, bounding empty labels', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry);

    metrics.runtimeError('prod-1', 'restart');
    metrics.runtimeError('prod-1', 'restart');
    metrics.runtimeError('', 'logs');

    const text = await registry.metrics();
    expect(text).toContain('deckhand_runtime_errors_total{host="prod-1",operation="restart"} 2');
    expect(text).toContain('deckhand_runtime_errors_total{host="unknown",operation="logs"} 1');
  });

  it('ignores a negative or non-finite duration but still counts the command', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry);

    metrics.commandHandled('logs', 'ok', Number.NaN);
    metrics.commandHandled('logs', 'ok', -1);

    const text = await registry.metrics();
    expect(text).toContain('deckhand_commands_total{intent="logs",outcome="ok"} 2');
    expect(text).not.toContain('deckhand_command_duration_seconds_count{intent="logs"}');
  });

  it('exposes default process metrics with the deckhand_ prefix', async () => {
    const registry = new Registry();
    createMetrics(registry);

    const text = await registry.metrics();
    expect(text).toMatch(/^deckhand_process_cpu_user_seconds_total \d/m);
    expect(text).toContain('deckhand_nodejs_heap_size_used_bytes');
    expect(text).not.toMatch(/^process_cpu_user_seconds_total/m);
  });
});
