/**
 * FaqVoteStore on PostgreSQL (table faq_vote, primary key entry + person). A vote is one
 * `INSERT … ON CONFLICT DO UPDATE … WHERE the vote differs RETURNING the previous vote`, so two clicks at
 * once (two replicas) still leave one row, and the caller learns whether it was new, changed or the same.
 */
import { z } from 'zod';
import type { FaqTally, FaqVote, FaqVoteResult, FaqVoteStore } from '../../core/ports/faq-vote.port.js';
import type { PrismaClient } from '../../generated/prisma/client.js';

const id = z.string().min(1).max(100);
const voteInput = z.object({ entryId: id, personId: id, helpful: z.boolean(), at: z.date() });
const returned = z.array(z.object({ previous: z.boolean().nullable() }));
const tallyRows = z.array(z.object({ entry_id: z.string(), helpful: z.coerce.number(), not_helpful: z.coerce.number() }));

export class PrismaFaqVoteStore implements FaqVoteStore {
  constructor(private readonly prisma: PrismaClient) {}

  async vote(vote: FaqVote): Promise<FaqVoteResult> {
    const v = voteInput.parse(vote);
    const rows = returned.parse(
      await this.prisma.$queryRaw`
        WITH prev AS (SELECT helpful FROM faq_vote WHERE entry_id = ${v.entryId} AND person_id = ${v.personId})
        INSERT INTO faq_vote (entry_id, person_id, helpful, voted_at) VALUES (${v.entryId}, ${v.personId}, ${v.helpful}, ${v.at})
        ON CONFLICT (entry_id, person_id) DO UPDATE SET helpful = EXCLUDED.helpful, voted_at = EXCLUDED.voted_at
          WHERE faq_vote.helpful IS DISTINCT FROM EXCLUDED.helpful
        RETURNING (SELECT helpful FROM prev) AS previous`,
    );
    if (rows.length === 0) return 'unchanged';
    return rows[0]!.previous === null ? 'recorded' : 'changed';
  }

  async tally(entryIds: readonly string[]): Promise<Map<string, FaqTally>> {
    const ids = z.array(id).parse([...entryIds]);
    if (ids.length === 0) return new Map();
    const rows = tallyRows.parse(
      await this.prisma.$queryRaw`
        SELECT entry_id, count(*) FILTER (WHERE helpful) AS helpful, count(*) FILTER (WHERE NOT helpful) AS not_helpful
        FROM faq_vote WHERE entry_id = ANY(${ids}::text[]) GROUP BY entry_id`,
    );
    return new Map(rows.map((r) => [r.entry_id, { helpful: r.helpful, notHelpful: r.not_helpful }]));
  }
}
