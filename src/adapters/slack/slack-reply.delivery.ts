import type { Reply } from '../../core/messages/reply.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type { webApi } from '@slack/bolt';
import { failureSummary, type FailureSummary } from '../notifier/delivery.errors.js';
import { renderChart } from '../charts/chart.renderer.js';
import { renderSlack, renderSlackFile } from './slack.renderer.js';
import type { ReplyTarget } from './slack-reply.target.js';

/** Where a file goes: a channel, and the thread in it when there is one. */
export interface FileDestination {
  channel: string;
  threadTs?: string;
}

/** A public reply's attachment and chart, uploaded as files to the reply's channel (and thread). */
export async function uploadFile(client: webApi.WebClient, target: ReplyTarget, reply: Reply, logger: Logger): Promise<void> {
  await uploadFiles(client, target.files, reply, logger, (text) => target.whisper(renderSlack({ tone: 'warning', text, blocks: [] })));
}

/**
 * A reply's attachment and chart, uploaded to `to` after its text; one that could not be uploaded is
 * logged and `tell` says so (to the asker, privately): the text is out already, so it is not retried.
 */
export async function uploadFiles(client: webApi.WebClient, to: FileDestination, reply: Reply, logger: Logger, tell: (text: string) => Promise<void>): Promise<void> {
  await uploadAttachment(client, to, reply, logger, tell);
  if (reply.chart && !(await uploadChart(client, to, reply.chart, logger))) await tell('Could not attach the chart.');
}

/**
 * Draws the chart (here, at send time: an outbox row keeps the spec, not the PNG) and uploads it as a PNG
 * with files.uploadV2. False when it could not be drawn or uploaded (logged); the reply's text is out already.
 */
export async function uploadChart(client: webApi.WebClient, to: FileDestination, chart: unknown, logger: Logger): Promise<boolean> {
  try {
    const { png, filename, altText } = await renderChart(chart);
    const title = filename.replace(/\.png$/, '');
    const upload = { channel_id: to.channel, filename, title, alt_text: altText, file: png };
    await client.files.uploadV2(to.threadTs ? { ...upload, thread_ts: to.threadTs } : upload);
    return true;
  } catch (err) {
    logger.warn({ err: errorSummary(err) }, 'slack chart upload failed');
    return false;
  }
}

async function uploadAttachment(client: webApi.WebClient, to: FileDestination, reply: Reply, logger: Logger, tell: (text: string) => Promise<void>): Promise<void> {
  const file = renderSlackFile(reply);
  if (!file) return;
  try {
    const { channel, threadTs } = to;
    const upload = { channel_id: channel, filename: file.filename, title: file.title, content: file.content };
    await client.files.uploadV2(threadTs ? { ...upload, thread_ts: threadTs } : upload);
  } catch (err) {
    logger.warn({ err: errorSummary(err), filename: file.filename }, 'slack file upload failed');
    await tell(`Could not attach ${file.filename}.`);
  }
}

/** Message, Slack error class, platform error and HTTP status only: never a stack trace, never a token. */
export function errorSummary(err: unknown): FailureSummary {
  return failureSummary(err);
}
