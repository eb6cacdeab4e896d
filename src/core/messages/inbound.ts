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
  /** What the platform can do for this command (see CommandAbilities); absent: neither. */
  abilities?: CommandAbilities;
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

/**
 * What a platform can do in answer to a command, as data so the core never branches on the platform:
 * `form`: show the asker a form now (a Slack modal from the command's trigger id), answered by a FormEvent;
 * `followUps`: the asker's next messages in this chat reach the core as MessageEvents (Telegram).
 */
export interface CommandAbilities {
  form?: boolean;
  followUps?: boolean;
}

/**
 * A message that is not a command, from a person the core waits on for an answer (an open dialog). The
 * platform hands one on only after `ChatCore.awaitsAnswer` said yes, so other chatter never reaches the core.
 */
export interface MessageEvent extends InboundBase {
  kind: 'message';
  text?: string;
  /** A picture sent with it, as the platform holds it (Telegram file id). */
  photo?: { ref: string };
}

/** A submitted form (see Reply.form): the form's action and id, the values by field id, files by field id. */
export interface FormEvent extends InboundBase {
  kind: 'form';
  actionId: string;
  formId: string;
  values: Readonly<Record<string, string>>;
  files?: Readonly<Record<string, readonly { ref: string; url?: string }[]>>;
}

/** What people type and click: every platform sends these. */
export type InboundEvent = CommandEvent | ActionEvent;

/** Everything the core takes: commands and clicks, and the answers to a dialog (messages, forms). */
export type AnyInboundEvent = InboundEvent | MessageEvent | FormEvent;
