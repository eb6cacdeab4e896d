import type { FaqTally, FaqVote, FaqVoteResult, FaqVoteStore } from '../../src/core/ports/faq-vote.port.js';

/** FaqVoteStore in memory: one vote per entry and person. */
export class MemoryFaqVoteStore implements FaqVoteStore {
  readonly votes = new Map<string, FaqVote>();

  async vote(vote: FaqVote): Promise<FaqVoteResult> {
    const key = `${vote.entryId}\n${vote.personId}`;
    const prev = this.votes.get(key);
    if (prev && prev.helpful === vote.helpful) return 'unchanged';
    this.votes.set(key, { ...vote });
    return prev ? 'changed' : 'recorded';
  }

  async tally(entryIds: readonly string[]): Promise<Map<string, FaqTally>> {
    const out = new Map<string, FaqTally>();
    for (const v of this.votes.values()) {
      if (!entryIds.includes(v.entryId)) continue;
      const t = out.get(v.entryId) ?? { helpful: 0, notHelpful: 0 };
      if (v.helpful) t.helpful++;
      else t.notHelpful++;
      out.set(v.entryId, t);
    }
    return out;
  }
}
