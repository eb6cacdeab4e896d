import { beforeEach, describe, expect, it } from 'vitest';
import type { ProcessedEvents } from '../../src/core/ports/processed-events.port.js';

const T0 = new Date('2026-03-01T12:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const HOUR = 3_600_000;

/**
 * The ProcessedEvents contract (redelivered Slack and Telegram events, GitHub deliveries), run against the
 * in-memory fake (unit), PrismaProcessedEvents and RedisProcessedEvents (integration). `make` returns an
 * empty store whose "seen at" times and prune cutoff follow `clock`. A store whose keys expire on their own
 * (Redis: a TTL per key, not `prune`) passes `expiresItself` and proves its expiry in its own tests.
 */
export function processedEventsContract(make: (clock: { now(): Date }) => Promise<ProcessedEvents>, options: { expiresItself?: boolean } = {}): void {
  const prunes = options.expiresItself ? it.skip : it;
  describe('ProcessedEvents contract', () => {
    let now: Date;
    let events: ProcessedEvents;
    beforeEach(async () => {
      now = T0;
      events = await make({ now: () => now });
    });

    it('says true the first time and false for every redelivery', async () => {
      expect(await events.firstSeen('slack', 'Ev01')).toBe(true);
      expect(await events.firstSeen('slack', 'Ev01')).toBe(false);
      now = at(30);
      expect(await events.firstSeen('slack', 'Ev01')).toBe(false);
    });

    it('keys on platform and event id together', async () => {
      expect(await events.firstSeen('slack', '42')).toBe(true);
      expect(await events.firstSeen('telegram', '42')).toBe(true);
      expect(await events.firstSeen('telegram', '43')).toBe(true);
    });

    it('gives exactly one true to deliveries racing each other', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, () => events.firstSeen('telegram', 'upd-7')));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    prunes('prunes what was seen before now − ttl, by the clock, and then accepts it again', async () => {
      await events.firstSeen('slack', 'old');
      now = at(60);
      await events.firstSeen('slack', 'recent');
      now = at(90);
      expect(await events.prune(HOUR)).toBe(1);
      expect(await events.prune(HOUR)).toBe(0);
      expect(await events.firstSeen('slack', 'recent')).toBe(false);
      expect(await events.firstSeen('slack', 'old')).toBe(true);
    });

    it('handles an event again once it was forgotten (its handler failed), and only that event', async () => {
      await events.firstSeen('github', 'd-1');
      await events.firstSeen('github', 'd-2');
      await events.forget('github', 'd-1');
      expect(await events.firstSeen('github', 'd-1')).toBe(true);
      expect(await events.firstSeen('github', 'd-1')).toBe(false);
      expect(await events.firstSeen('github', 'd-2')).toBe(false);
      await events.forget('github', 'never-seen');
    });

    prunes('keeps an event seen exactly at the cutoff', async () => {
      await events.firstSeen('slack', 'edge');
      now = at(60);
      expect(await events.prune(HOUR)).toBe(0);
      expect(await events.firstSeen('slack', 'edge')).toBe(false);
    });

    it('refuses empty or oversized keys and a non-positive ttl', async () => {
      await expect(events.firstSeen('slack', '')).rejects.toThrow();
      await expect(events.firstSeen('', 'Ev01')).rejects.toThrow();
      await expect(events.firstSeen('slack', 'x'.repeat(201))).rejects.toThrow();
      await expect(events.prune(0)).rejects.toThrow();
      expect(await events.firstSeen('slack', 'x'.repeat(200))).toBe(true);
    });
  });
}
