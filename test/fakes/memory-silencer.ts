/** A Silencer that records the silences asked for; `failWith` makes the next create throw that message. */
import type { NewSilence, Silencer } from '../../src/core/ports/silencer.port.js';

export class RecordingSilencer implements Silencer {
  readonly created: NewSilence[] = [];
  readonly expired: string[] = [];
  failWith: string | undefined;

  async create(silence: NewSilence): Promise<string> {
    if (this.failWith) {
      const message = this.failWith;
      this.failWith = undefined;
      throw new Error(message);
    }
    this.created.push(structuredClone(silence));
    return `sil-${this.created.length}`;
  }

  async expire(silenceId: string): Promise<void> {
    this.expired.push(silenceId);
  }
}
