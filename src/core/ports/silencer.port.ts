/** Creates silences in Alertmanager (API v2) for the Silence button on alert messages. */

export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  /** Alertmanager ≥ 0.22; true means `=` / `=~`. */
  isEqual: boolean;
}

export interface NewSilence {
  matchers: SilenceMatcher[];
  startsAt: Date;
  endsAt: Date;
  /** Display name of the person who asked for it. */
  createdBy: string;
  comment: string;
}

export interface Silencer {
  /** Creates the silence and returns Alertmanager's silence id; throws a short, chat-safe Error on failure. */
  create(silence: NewSilence): Promise<string>;
  /** Expires a silence (one that lost a race to another); throws a short Error on failure. */
  expire(silenceId: string): Promise<void>;
}
