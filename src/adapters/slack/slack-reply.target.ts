import type { RespondFn, webApi } from '@slack/bolt';
import type { SlackMessage } from './slack-block.types.js';

type WebClient = webApi.WebClient;

/** Where one interaction's reply goes: public messages, private (ephemeral) ones, and the file channel. */
export interface ReplyTarget {
  /** Messages the channel sees (for a button click: the first replaces the clicked message). */
  publish(messages: SlackMessage[]): Promise<void>;
  /** Messages only the asking user sees. */
  whisper(messages: SlackMessage[]): Promise<void>;
  /** Channel (and thread) that public file uploads go to. */
  files: { channel: string; threadTs?: string };
}

/** Slash commands answer through response_url. */
export function slashTarget(respond: RespondFn, channel: string): ReplyTarget {
  const send = (responseType: 'in_channel' | 'ephemeral') => async (messages: SlackMessage[]) => {
    for (const m of messages) await respond({ response_type: responseType, text: m.text, blocks: m.blocks });
  };
  return { publish: send('in_channel'), whisper: send('ephemeral'), files: { channel } };
}

/** Mentions answer with chat.postMessage in the mention's thread (or channel); private answers are ephemeral. */
export function mentionTarget(client: WebClient, channel: string, user: string, threadTs?: string): ReplyTarget {
  const thread = threadTs ? { thread_ts: threadTs } : {};
  return {
    async publish(messages) {
      for (const m of messages) await client.chat.postMessage({ channel, ...thread, text: m.text, blocks: m.blocks });
    },
    async whisper(messages) {
      for (const m of messages) await client.chat.postEphemeral({ channel, user, ...thread, text: m.text, blocks: m.blocks });
    },
    files: threadTs ? { channel, threadTs } : { channel },
  };
}

export interface ClickedMessage {
  channel: string;
  messageTs?: string;
  user: string;
}

/**
 * Button clicks replace the clicked message (response_url with replace_original, or chat.update when there is
 * no response_url); further messages follow in the channel. Private answers leave the original untouched.
 */
export function actionTarget(client: WebClient, clicked: ClickedMessage, respond?: RespondFn): ReplyTarget {
  const { channel, messageTs, user } = clicked;
  return {
    async publish(messages) {
      const [first, ...rest] = messages;
      if (!first) return;
      if (respond) await respond({ replace_original: true, text: first.text, blocks: first.blocks });
      else if (messageTs) await client.chat.update({ channel, ts: messageTs, text: first.text, blocks: first.blocks });
      else await client.chat.postMessage({ channel, text: first.text, blocks: first.blocks });
      for (const m of rest) {
        if (respond) await respond({ response_type: 'in_channel', replace_original: false, text: m.text, blocks: m.blocks });
        else await client.chat.postMessage({ channel, text: m.text, blocks: m.blocks });
      }
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
