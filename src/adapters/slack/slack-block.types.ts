/** The subset of Slack Block Kit the renderer emits (structurally compatible with @slack/types KnownBlock). */

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}

export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
}

export interface SlackButton {
  type: 'button';
  text: PlainText;
  action_id: string;
  value: string;
  style?: 'primary' | 'danger';
}

export type SlackBlock =
  | { type: 'header'; text: PlainText }
  | { type: 'section'; text: MrkdwnText }
  | { type: 'section'; fields: MrkdwnText[] }
  | { type: 'context'; elements: MrkdwnText[] }
  | { type: 'divider' }
  | { type: 'actions'; elements: SlackButton[] };

/** One Slack message: mrkdwn-escaped fallback text plus blocks. */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

/** A reply's attachment, delivered with files.uploadV2 after the messages. */
export interface SlackFileUpload {
  filename: string;
  content: string;
  title: string;
}

/** Slack's documented limits the renderer honours. */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  textPerMessage: 40_000,
  headerText: 150,
  sectionText: 3000,
  fieldsPerSection: 10,
  fieldText: 2000,
  contextText: 3000,
  buttonText: 75,
  buttonsPerActions: 25,
  actionId: 255,
  buttonValue: 2000,
} as const;
