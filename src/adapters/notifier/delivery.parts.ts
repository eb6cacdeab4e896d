/**
 * A reply longer than one platform message goes out as several calls (its parts). Each part posted is
 * recorded in the outbox row before the next is sent, so a try cut short (a replica killed, a 429 between two
 * parts) goes on with the next part instead of posting the reply's first parts again.
 */

/** The parts of one reply an earlier try posted, and where each newly posted one is recorded. */
export interface PartProgress {
  /** Message ids of the parts posted so far, in order ('' for a part that posted no message). */
  readonly posted: readonly string[];
  /** Told every part's id so far after each part is out; resolves once that is recorded. */
  record(posted: readonly string[]): Promise<void>;
}

/** Nothing posted yet, nothing recorded (a target called without an outbox row behind it). */
export const noProgress: PartProgress = { posted: [], record: async () => undefined };

/** One platform call of a reply; resolves to the id of the message it posted, if it posted one. */
export type Part = () => Promise<string | undefined>;

/**
 * Sends the parts in order, skipping those `progress` says are out (a reply renders to the same parts every
 * time), and records each one posted. Returns every part's message id, the skipped ones included.
 */
export async function postParts(parts: readonly Part[], progress: PartProgress): Promise<string[]> {
  const ids = progress.posted.slice(0, parts.length);
  for (const part of parts.slice(ids.length)) {
    ids.push((await part()) ?? '');
    // A reply of one part has nothing to resume: its row is marked sent next (one round trip saved per message).
    if (parts.length > 1) await progress.record(ids);
  }
  return ids;
}
