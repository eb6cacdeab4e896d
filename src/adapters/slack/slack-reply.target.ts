import type { RespondFn, webApi } from '@slack/bolt';
import type { SlackMessage } from './slack-block.types.js';

type WebClient = webApi.WebClient;

/** A public message as delivered; `ts` only when it can be edited later (chat.postMessage, or the clicked message). */
export interface PostedMessage {
  channel: string;
  ts?: string;
  message: SlackMessage;
}

/** Where one interaction's reply goes: public messages, private (ephemeral) ones, and the file channel. */
export interface ReplyTarget {
  /** New messages the channel sees. */
  publish(messages: SlackMessage[]): Promise<PostedMessage[]>;
  /** A click only: the first message replaces the clicked one, the rest follow as new messages. */
  replace?(messages: SlackMessage[]): Promise<PostedMessage[]>;
  /** Messages only the asking user sees. */
  whisper(messages: SlackMessage[]): Promise<void>;
  /** Channel (and thread) that public file uploads go to. */
  files: { channel: string; threadTs?: string };
}

/** A message with buttons must be editable later (progress), so it goes out with chat.postMessage. */
export function hasButtons(message: SlackMessage): boolean {
  return message.blocks.some((b) => b.type === 'actions');
}

/** Pending-action ids carried by a message's buttons (their `value`), each once. */
export function buttonPendingIds(message: SlackMessage): string[] {
  const ids = message.blocks.flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => e.value) : []));
  return [...new Set(ids)];
}

async function post(client: WebClient, channel: string, m: SlackMessage, extra: { thread_ts?: string } = {}): Promise<PostedMessage> {
  const res = await client.chat.postMessage({ channel, ...extra, text: m.text, blocks: m.blocks });
  return res.ts ? { channel: res.channel ?? channel, ts: res.ts, message: m } : { channel, message: m };
}

/** The bot cannot post where it is not a member (e.g. a slash command in someone's DM); response_url still works. */
function cannotPost(err: unknown): boolean {
  const code = (err as { data?: { error?: unknown } }).data?.error;
  return code === 'not_in_channel' || code === 'channel_not_found';
}

/**
 * Slash commands answer through response_url, except messages with buttons: those are posted with
 * chat.postMessage so their ts is known and progress can edit them (falling back to response_url where the
 * bot cannot post).
 */
export function slashTarget(respond: RespondFn, client: WebClient, channel: string): ReplyTarget {
  const send = (responseType: 'in_channel' | 'ephemeral', m: SlackMessage) =>
    respond({ response_type: responseType, text: m.text, blocks: m.blocks });
  return {
    async publish(messages) {
      const posted: PostedMessage[] = [];
      for (const m of messages) {
        if (!hasButtons(m)) {
          await send('in_channel', m);
          posted.push({ channel, message: m });
          continue;
        }
        try {
          posted.push(await post(client, channel, m));
        } catch (err) {
          if (!cannotPost(err)) throw err;
          await send('in_channel', m);
          posted.push({ channel, message: m });
        }
      }
      return posted;
    },
    async whisper(messages) {
      for (const m of messages) await send('ephemeral', m);
    },
    files: { channel },
  };
}

/** Mentions answer with chat.postMessage in the mention's thread (or channel); private answers are ephemeral. */
export function mentionTarget(client: WebClient, channel: string, user: string, threadTs?: string): ReplyTarget {
  const thread = threadTs ? { thread_ts: threadTs } : {};
  return {
    async publish(messages) {
      const posted: PostedMessage[] = [];
      for (const m of messages) posted.push(await post(client, channel, m, thread));
      return posted;
    },
    async whisper(messages) {
      for (const m of messages) await client.chat.postEphemeral({ channel, user, ...thread, text: m.text, blocks: m.blocks });
    },
    files: threadTs ? { channel, threadTs } : { channel },
  };
}

export interface ClickedMessage {
  channel: string;
  /** The clicked message's ts, when it can be updated (not ephemeral). */
  messageTs?: string;
  user: string;
}

/**
 * A button click's answers: `replace` puts the first message in place of the clicked one (response_url with
 * replace_original, or chat.update when there is no response_url), `publish` leaves the clicked message as
 * it is (an alert's living message); further messages follow in the channel (with chat.postMessage when
 * they carry buttons). Private answers leave the original untouched.
 */
export function actionTarget(client: WebClient, clicked: ClickedMessage, respond?: RespondFn): ReplyTarget {
  const { channel, user } = clicked;
  const follow = async (messages: SlackMessage[], posted: PostedMessage[]) => {
    for (const m of messages) {
      if (respond && !hasButtons(m)) {
        await respond({ response_type: 'in_channel', replace_original: false, text: m.text, blocks: m.blocks });
        posted.push({ channel, message: m });
      } else posted.push(await post(client, channel, m));
    }
    return posted;
  };
  return {
    publish: (messages) => follow(messages, []),
    async replace(messages) {
      const [first, ...rest] = messages;
      if (!first) return [];
      return follow(rest, [await replaceClicked(client, clicked, first, respond)]);
    },
    async whisper(messages) {
      for (const m of messages) {
        if (respond) await respond({ response_type: 'ephemeral', replace_original: false, text: m.text, blocks: m.blocks });
        else await client.chat.postEphemeral({ channel, user, text: m.text, blocks: m.blocks });
      }
    },
    files: { channel },
  };
}

async function replaceClicked(client: WebClient, clicked: ClickedMessage, m: SlackMessage, respond?: RespondFn): Promise<PostedMessage> {
  const { channel, messageTs } = clicked;
  const at: PostedMessage = messageTs ? { channel, ts: messageTs, message: m } : { channel, message: m };
  if (respond) await respond({ replace_original: true, text: m.text, blocks: m.blocks });
  else if (messageTs) await client.chat.update({ channel, ts: messageTs, text: m.text, blocks: m.blocks });
  else return post(client, channel, m);
  return at;
}
