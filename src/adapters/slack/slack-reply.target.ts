import type { RespondFn, webApi } from '@slack/bolt';
import type { MessageRef } from '../../core/ports/pending-action.port.js';
import { slackAddress, type SlackAddress } from './slack-address.js';
import { currentReplyJob } from '../notifier/delivery.reply-lanes.js';
import type { SlackMessage } from './slack-block.types.js';
import { responseUrlFailure } from './slack-response-url.js';

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
  /** The same places as outbox addresses (slack-address.ts), for the reply's row. */
  durable: DurableRoutes;
}

/** Where the outbox sends one interaction's reply: SlackDeliveryTarget follows these as the methods above do. */
export interface DurableRoutes {
  publish: SlackAddress;
  whisper: SlackAddress;
  /** A click: the clicked message when it can be edited (else the address replaces it through response_url or follows it). */
  replace?: { ref?: MessageRef; address: SlackAddress };
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

/**
 * A call made for a reply in its chat's lane (notifier/delivery.reply-lanes.ts) is retried there: 429 after
 * Retry-After, 5xx and network failures with backoff, until the reply expires. Elsewhere it is made once.
 */
function retried<T>(what: string, call: () => Promise<T>): Promise<T> {
  const job = currentReplyJob();
  return job ? job.call(what, call) : call();
}

interface HttpFailureShape {
  message?: unknown;
  response?: { status?: unknown; headers?: Record<string, unknown> };
  request?: unknown;
}

/**
 * response_url is posted with Bolt's HTTP client, whose errors say nothing the delivery path can classify:
 * a 429 (with its Retry-After), a 5xx and a request that got no answer are turned into the Web API's
 * equivalents so the lane retries them; every other failure is thrown as it came.
 */
function retriedRespond(respond: RespondFn): RespondFn {
  return (message) =>
    retried('response_url', async () => {
      try {
        return await respond(message);
      } catch (err) {
        const e = (typeof err === 'object' && err !== null ? err : {}) as HttpFailureShape;
        const text = typeof e.message === 'string' ? e.message : 'response_url post failed';
        const status = e.response?.status;
        if (status === 429 || (typeof status === 'number' && status >= 500) || (status === undefined && e.request !== undefined)) {
          throw responseUrlFailure(typeof status === 'number' ? status : undefined, e.response?.headers?.['retry-after'], text);
        }
        throw err;
      }
    });
}

async function post(client: WebClient, channel: string, m: SlackMessage, extra: { thread_ts?: string } = {}): Promise<PostedMessage> {
  const res = await retried('chat.postMessage', () => client.chat.postMessage({ channel, ...extra, text: m.text, blocks: m.blocks }));
  return res.ts ? { channel: res.channel ?? channel, ts: res.ts, message: m } : { channel, message: m };
}

/** The bot cannot post where it is not a member (e.g. a slash command in someone's DM); response_url still works. */
export function cannotPost(err: unknown): boolean {
  const code = (err as { data?: { error?: unknown } }).data?.error;
  return code === 'not_in_channel' || code === 'channel_not_found';
}

/**
 * Slash commands answer through response_url, except messages with buttons: those are posted with
 * chat.postMessage so their ts is known and progress can edit them (falling back to response_url where the
 * bot cannot post).
 */
export function slashTarget(unretried: RespondFn, client: WebClient, channel: string, asked: { user: string; responseUrl: string }): ReplyTarget {
  const respond = retriedRespond(unretried);
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
    durable: {
      publish: { responseUrl: asked.responseUrl, asker: asked.user },
      whisper: { responseUrl: asked.responseUrl, only: asked.user },
    },
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
      for (const m of messages) await retried('chat.postEphemeral', () => client.chat.postEphemeral({ channel, user, ...thread, text: m.text, blocks: m.blocks }));
    },
    files: threadTs ? { channel, threadTs } : { channel },
    durable: { publish: slackAddress({ threadTs, asker: user }), whisper: slackAddress({ threadTs, only: user }) },
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
export function actionTarget(client: WebClient, clicked: ClickedMessage, unretried?: RespondFn, responseUrl?: string): ReplyTarget {
  const { channel, user, messageTs } = clicked;
  const url = unretried ? responseUrl : undefined;
  const respond = unretried && retriedRespond(unretried);
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
        else await retried('chat.postEphemeral', () => client.chat.postEphemeral({ channel, user, text: m.text, blocks: m.blocks }));
      }
    },
    files: { channel },
    durable: {
      publish: slackAddress({ responseUrl: url, asker: user, replaceOriginal: url ? false : undefined }),
      whisper: slackAddress({ responseUrl: url, only: user, replaceOriginal: url ? false : undefined }),
      replace: messageTs
        ? { ref: { platform: 'slack', chatId: channel, messageId: messageTs }, address: slackAddress({ responseUrl: url, asker: user }) }
        : { address: slackAddress({ responseUrl: url, asker: user, replaceOriginal: url ? true : undefined }) },
    },
  };
}

async function replaceClicked(client: WebClient, clicked: ClickedMessage, m: SlackMessage, respond?: RespondFn): Promise<PostedMessage> {
  const { channel, messageTs } = clicked;
  const at: PostedMessage = messageTs ? { channel, ts: messageTs, message: m } : { channel, message: m };
  if (respond) await respond({ replace_original: true, text: m.text, blocks: m.blocks });
  else if (messageTs) await retried('chat.update', () => client.chat.update({ channel, ts: messageTs, text: m.text, blocks: m.blocks }));
  else return post(client, channel, m);
  return at;
}
