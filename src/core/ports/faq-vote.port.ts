/** "Did this help?" votes on FAQ entries: one per person per entry (a second click may change it). */

export interface FaqVote {
  entryId: string;
  personId: string;
  helpful: boolean;
  at: Date;
}

export interface FaqTally {
  helpful: number;
  notHelpful: number;
}

/** What a vote did: a first vote, a changed vote, or the same vote again (nothing changed). */
export type FaqVoteResult = 'recorded' | 'changed' | 'unchanged';

export interface FaqVoteStore {
  vote(vote: FaqVote): Promise<FaqVoteResult>;
  /** Counts per entry id; an entry nobody voted on is absent. */
  tally(entryIds: readonly string[]): Promise<Map<string, FaqTally>>;
}
