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

/**
 * A person to mention (notify) in a chat: shown by name, linked to their account where the platform knows
 * it. Each renderer picks its own platform's account (and checks its format) from `accounts`.
 */
export interface MentionPerson {
  name: string;
  /** The person's account id on each platform they are configured for, by platform id. */
  accounts?: Readonly<Record<string, string>>;
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

/**
 * A chart as data. The core never draws: a platform adapter renders it as a PNG in the process and sends it
 * with the reply (Telegram: a photo, the text as its caption when short enough; Slack: a file in the thread;
 * text-only platforms: the path of the written file). Values are numbers in `unit`; `null` is a gap.
 */
export interface ChartSpec {
  kind: 'bar' | 'line';
  title: string;
  /** One label per point on the x axis (e.g. week starts "11-02"), oldest first. */
  labels: string[];
  series: { name: string; values: (number | null)[] }[];
  /** Unit of the y axis, e.g. "USD", "%", "deploys". */
  unit?: string;
}

/** A field of a form: a text (one line or several), a choice among options, or a file (a screenshot). */
export type FormField =
  | { kind: 'text'; id: string; label: string; multiline?: boolean; maxLength: number; optional?: boolean }
  | { kind: 'choice'; id: string; label: string; options: { value: string; label: string }[] }
  | { kind: 'file'; id: string; label: string; optional: true; accept: string[] };

/**
 * A form the asker fills in at once (a Slack modal), on platforms that said they can (CommandAbilities.form).
 * Its submission comes back as a FormEvent carrying `actionId` and `id`.
 */
export interface FormSpec {
  actionId: string;
  /** Server-side id the submission refers to (like a button's pending id). */
  id: string;
  title: string;
  submit: string;
  fields: FormField[];
}

/** Who sees a reply to a command or a click: only the person who asked, or the whole chat. */
export type Visibility = 'private' | 'chat';

/** Where a reply to a click goes: new messages, or in place of the clicked message (then new ones). */
export type Placement = 'new' | 'replace-clicked';

export interface Reply {
  tone: Tone;
  /** Plain-text fallback of the whole reply (notifications, shell, accessibility). */
  text: string;
  blocks: Block[];
  /** Long output (logs) delivered as a file where the platform supports it. */
  attachment?: Attachment;
  /** A chart sent with the reply (see ChartSpec). */
  chart?: ChartSpec;
  /** A form shown to the asker instead of a message (see FormSpec); `text` says what it is for. */
  form?: FormSpec;
  /**
   * Who sees it (default `chat`). A platform that cannot show a reply to one person only (Telegram in a
   * group) shows it in the chat. Decided by the core (pipeline/presentation.ts), followed by every platform.
   */
  visibility?: Visibility;
  /** Where it goes (default `new`); `replace-clicked` only for replies to a click. Decided by the core. */
  placement?: Placement;
}
