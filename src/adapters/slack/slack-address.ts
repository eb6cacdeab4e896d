/**
 * Where in a channel a Slack reply goes, as an outbox row carries it (notifier/outbox.port.ts OutboxAddress):
 * the thread, the one user who sees it, and the event's response_url with how to use it. Written by the
 * listeners (slack-reply.target.ts), read back and validated by SlackDeliveryTarget, whichever replica sends.
 */
import { z } from 'zod';

const ts = z.string().regex(/^\d{1,12}\.\d{1,8}$/, 'a Slack message ts');
const userId = z.string().regex(/^[UW][A-Z0-9]{2,30}$/, 'a Slack user id');

export const slackAddressSchema = z.strictObject({
  /** The thread the messages go in (a mention's). */
  threadTs: ts.optional(),
  /**
   * The event's response_url (slash command, click): valid 30 minutes for 5 posts, longer than a reply is
   * tried (15 min). Messages without buttons go there; messages with buttons are posted with
   * chat.postMessage so progress can edit them (response_url again where the bot cannot post).
   */
  responseUrl: z.url({ protocol: /^https$/ }).max(2_000).optional(),
  /** Only this user sees the messages (response_url ephemeral, else chat.postEphemeral); never a file. */
  only: userId.optional(),
  /** Who asked: told privately when a file of the reply could not be attached. */
  asker: userId.optional(),
  /**
   * response_url: true, the first message replaces the clicked message (an ephemeral one, which has no ts to
   * edit); false, messages never replace it (a click's follow-ups); absent, Slack's default (slash commands).
   */
  replaceOriginal: z.boolean().optional(),
});

export type SlackAddress = z.infer<typeof slackAddressSchema>;

/** The address as an outbox row keeps it: the fields that are set, nothing else. */
export function slackAddress(address: SlackAddress): SlackAddress {
  return Object.fromEntries(Object.entries(address).filter(([, v]) => v !== undefined)) as SlackAddress;
}
