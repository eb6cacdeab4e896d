import { beforeEach, describe, expect, it } from 'vitest';
import type { FaqVoteStore } from '../../src/core/ports/faq-vote.port.js';

const T0 = new Date('2026-12-02T08:00:00Z');

/** The FaqVoteStore contract, run against the in-memory fake (unit) and PrismaFaqVoteStore (integration). */
export function faqVoteStoreContract(make: () => Promise<FaqVoteStore>): void {
  describe('FaqVoteStore contract', () => {
    let store: FaqVoteStore;
    beforeEach(async () => {
      store = await make();
    });

    it('counts one vote per person per entry: the same vote again changes nothing, another vote replaces it', async () => {
      expect(await store.vote({ entryId: 'e1', personId: 'alice', helpful: true, at: T0 })).toBe('recorded');
      expect(await store.vote({ entryId: 'e1', personId: 'alice', helpful: true, at: T0 })).toBe('unchanged');
      expect(await store.vote({ entryId: 'e1', personId: 'bob', helpful: false, at: T0 })).toBe('recorded');
      expect(await store.tally(['e1'])).toEqual(new Map([['e1', { helpful: 1, notHelpful: 1 }]]));

      expect(await store.vote({ entryId: 'e1', personId: 'bob', helpful: true, at: T0 })).toBe('changed');
      expect(await store.tally(['e1'])).toEqual(new Map([['e1', { helpful: 2, notHelpful: 0 }]]));
    });

    it('keeps entries apart and leaves out entries nobody voted on', async () => {
      await store.vote({ entryId: 'e1', personId: 'alice', helpful: true, at: T0 });
      await store.vote({ entryId: 'e2', personId: 'alice', helpful: false, at: T0 });
      await store.vote({ entryId: 'e3', personId: 'carol', helpful: true, at: T0 });
      expect(await store.tally(['e1', 'e2', 'e9'])).toEqual(
        new Map([
          ['e1', { helpful: 1, notHelpful: 0 }],
          ['e2', { helpful: 0, notHelpful: 1 }],
        ]),
      );
      expect(await store.tally([])).toEqual(new Map());
    });

    it('counts simultaneous clicks of one person once', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, () => store.vote({ entryId: 'e4', personId: 'dave', helpful: true, at: T0 })));
      expect(results.filter((r) => r === 'recorded')).toHaveLength(1);
      expect(results.filter((r) => r === 'unchanged')).toHaveLength(7);
      expect(await store.tally(['e4'])).toEqual(new Map([['e4', { helpful: 1, notHelpful: 0 }]]));
    });
  });
}
