import { beforeEach, describe, expect, it } from 'vitest';
import type { PostedMessageStore } from '../../src/core/ports/posted-message.port.js';

const T0 = new Date('2026-11-23T12:00:00Z');

/**
 * The PostedMessageStore contract, run against the in-memory fake (unit) and PrismaPostedMessages
 * (integration). `make` returns an empty store.
 */
export function postedMessageStoreContract(make: () => Promise<PostedMessageStore>): void {
  describe('PostedMessageStore contract', () => {
    let store: PostedMessageStore;
    beforeEach(async () => {
      store = await make();
    });

    it('answers null for a key never posted, and the message id once remembered', async () => {
      const s = store;
      expect(await s.find('incident:a1', 'telegram', '-1001')).toBeNull();
      await s.remember('incident:a1', 'telegram', '-1001', '55', T0);
      expect(await s.find('incident:a1', 'telegram', '-1001')).toBe('55');
    });

    it('keeps one message per key, platform and chat apart from the others', async () => {
      const s = store;
      await s.remember('incident:b1', 'telegram', '-1001', '10', T0);
      await s.remember('incident:b1', 'telegram', '-1002', '20', T0);
      await s.remember('incident:b1', 'slack', '-1001', '1700000000.000100', T0);
      await s.remember('incident:b2', 'telegram', '-1001', '30', T0);
      expect(await s.find('incident:b1', 'telegram', '-1001')).toBe('10');
      expect(await s.find('incident:b1', 'telegram', '-1002')).toBe('20');
      expect(await s.find('incident:b1', 'slack', '-1001')).toBe('1700000000.000100');
      expect(await s.find('incident:b2', 'telegram', '-1001')).toBe('30');
      expect(await s.find('incident:b2', 'slack', '-1001')).toBeNull();
    });

    it('replaces the message id when the key is posted anew in the same chat', async () => {
      const s = store;
      await s.remember('incident:c1', 'slack', 'C0OPS', '1700000000.000100', T0);
      await s.remember('incident:c1', 'slack', 'C0OPS', '1700000099.000200', new Date(T0.getTime() + 60_000));
      expect(await s.find('incident:c1', 'slack', 'C0OPS')).toBe('1700000099.000200');
    });

    it('refuses empty keys and message ids', async () => {
      const s = store;
      await expect(s.remember('', 'telegram', '-1001', '1', T0)).rejects.toThrow();
      await expect(s.remember('incident:d1', 'telegram', '-1001', '', T0)).rejects.toThrow();
      expect(await s.find('incident:d1', 'telegram', '-1001')).toBeNull();
    });
  });
}
