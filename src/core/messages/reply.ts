/**
 * Neutral reply model. A reply is data: renderers (one per platform) own escaping and splitting.
 * `text` is always a complete plain-text fallback of the whole reply.
 */

export type Tone = 'info' | 'success' | 'warning' | 'error';

export interface Field {
  label: string;
  value: string;
}

export interface Button {
  label: string;
  /** Short action id, e.g. `deploy.confirm`. */
  actionId: string;
  /** Id of the server-side pending action; the button carries nothing else. */
  pendingId: string;
  style?: 'primary' | 'danger';
}

/** A person to mention (notify) in a chat: shown by name, linked to their account where the platform knows it. */
export interface MentionPerson {
  name: string;
  /** Telegram user id (numeric). */
  telegram?: string;
  /** Slack user id (U…/W…). */
  slack?: string;
}

/** A term (one line per `\n`-separated alternative, e.g. a command's syntax) and what it means. */
export interface Definition {
  term: string;
  description: string;
}

export type Block =
  | { type: 'header'; text: string }
  | { type: 'text'; text: string }
  | { type: 'fields'; fields: Field[] }
  | { type: 'table'; columns: string[]; rows: string[][] }
  /** Terms each on their own line with the description indented under them (help): narrow on a phone. */
  | { type: 'definitions'; items: Definition[] }
  | { type: 'code'; text: string }
  | { type: 'context'; text: string }
  | { type: 'buttons'; buttons: Button[] }
  /** Mentions `people` (so the platform notifies them), followed by `text` on the same line. */
  | { type: 'mention'; text: string; people: MentionPerson[] }
  | { type: 'divider' };

export interface Attachment {
  filename: string;
  content: string;
  title?: string;
}

export interface Reply {
  tone: Tone;
  /** Plain-text fallback of the whole reply (notifications, shell, accessibility). */
  text: string;
  blocks: Block[];
  /** Long output (logs) delivered as a file where the platform supports it. */
  attachment?: Attachment;
}
