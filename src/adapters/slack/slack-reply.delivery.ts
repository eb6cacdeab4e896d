import type { Reply } from '../../core/messages/reply.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type { webApi } from '@slack/bolt';
import { failureSummary, type FailureSummary } from '../notifier/delivery.errors.js';
import { renderSlack, renderSlackFile } from './slack.renderer.js';
import type { ReplyTarget } from './slack-reply.target.js';

/** A public reply's attachment, uploaded as a file to the reply's channel (and thread). */
export async function uploadFile(client: webApi.WebClient, target: ReplyTarget, reply: Reply, logger: Logger): Promise<void> {
  const file = renderSlackFile(reply);
  if (!file) return;
  try {
    const { channel, threadTs } = target.files;
    const upload = { channel_id: channel, filename: file.filename, title: file.title, content: file.content };
    await client.files.uploadV2(threadTs ? { ...upload, thread_ts: threadTs } : upload);
  } catch (err) {
    logger.warn({ err: errorSummary(err), filename: file.filename }, 'slack file upload failed');
    await target.whisper(renderSlack({ tone: 'warning', text: `Could not attach ${file.filename}.`, blocks: [] }));
  }
}

/** Message, Slack error class, platform error and HTTP status only: never a stack trace, never a token. */
export function errorSummary(err: unknown): FailureSummary {
  return failureSummary(err);
}
