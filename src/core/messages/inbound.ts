/** Neutral inbound events: every adapter turns its platform's update into one of these. */

export type Platform = 'telegram' | 'slack' | 'shell';

export type ChatType = 'private' | 'group';

interface InboundBase {
  platform: Platform;
  /** The platform's own user id (Telegram numeric id as text, Slack U…, shell person id). */
  platformUserId: string;
  /** Display name as the platform reports it; informational only, never used for authorization. */
  userName?: string;
  chatId: string;
  chatType: ChatType;
  /** Platform event id, when the platform has one (used to drop redelivered events). */
  eventId?: string;
  receivedAt: Date;
}

/** A typed command: `text` is the command line without the leading slash or bot mention, e.g. `status shop prod`. */
export interface CommandEvent extends InboundBase {
  kind: 'command';
  text: string;
}

/** A button click: carries the short action id and the server-side pending action id, never arguments. */
export interface ActionEvent extends InboundBase {
  kind: 'action';
  actionId: string;
  pendingId: string;
  /** The message the button was on, so progress can edit it in place. */
  messageRef?: { platform: Platform; chatId: string; messageId: string };
}

export type InboundEvent = CommandEvent | ActionEvent;
