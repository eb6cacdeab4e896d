/**
 * Neutral inbound events: every adapter turns its platform's update into one of these. A chat only its
 * one user sees (a direct message, the local shell) is `private`.
 */

/**
 * The id of a chat platform (its registry entry outside the core names them). The core never branches on
 * it: what differs between platforms reaches it as data on the event.
 */
export type Platform = string;

export type ChatType = 'private' | 'group';

interface InboundBase {
  platform: Platform;
  /** The platform's own user id (Telegram numeric id as text, Slack U…, shell person id). */
  platformUserId: string;
  /** Display name as the platform reports it; informational only, never used for authorization. */
  userName?: string;
  chatId: string;
  chatType: ChatType;
  /**
   * What the platform calls `platformUserId`, for the refusal that asks an admin to add it to the config.
   * The shared inbound path sets it from the platform's descriptor; an event built without it (a test
   * calling the core directly) is refused with `<platform> user id`.
   */
  userIdLabel?: string;
  /**
   * Platform event id, when the platform has one, for logs. The core does not dedupe on it: an adapter drops
   * a redelivered event itself, before handing it on.
   */
  eventId?: string;
  receivedAt: Date;
}

/** A typed command: `text` is the command line without the leading slash or bot mention, e.g. `status shop prod`. */
export interface CommandEvent extends InboundBase {
  kind: 'command';
  text: string;
  /**
   * Words of `text` that mention an account of this platform, mapped to that account's id (Slack's
   * `<@U012AB3CD|ann>` → `U012AB3CD`). The platform recognises its own mention syntax; the core looks the
   * account up among the people's accounts.
   */
  mentions?: Readonly<Record<string, string>>;
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
