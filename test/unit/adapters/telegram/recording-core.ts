import { ReplyBuilder, replies } from '../../../../src/core/messages/reply-builder.js';
import type { InboundEvent, Platform } from '../../../../src/core/messages/inbound.js';
import type { Reply } from '../../../../src/core/messages/reply.js';
import type { ChatCore } from '../../../../src/core/pipeline/chat-core.js';
import { presentReply } from '../../../../src/core/pipeline/presentation.js';
import type { Logger } from '../../../../src/core/ports/logger.port.js';

/**
 * A small ChatCore for adapter tests (the adapter is under test, not the core): records every event
 * and answers by command name.
 */
export class RecordingCore implements ChatCore {
  readonly events: InboundEvent[] = [];
  /** Every attachMessage call, in order. */
  readonly attached: { pendingId: string; ref: { platform: Platform; chatId: string; messageId: string } }[] = [];

  async attachMessage(pendingId: string, ref: { platform: Platform; chatId: string; messageId: string }): Promise<void> {
    this.attached.push({ pendingId, ref });
  }

  /** Answers as the real core does: with the visibility and placement it decides (presentation.ts). */
  async handle(event: InboundEvent): Promise<Reply> {
    return presentReply(event, await this.answer(event));
  }

  private async answer(event: InboundEvent): Promise<Reply> {
    this.events.push(event);
    if (event.kind === 'action') {
      if (event.actionId === 'deploy.approve') return approvalReply();
      return new ReplyBuilder('success').text(`Done: ${event.actionId}`).build();
    }
    const [name] = event.text.split(' ');
    switch (name) {
      case 'boom':
        throw new Error('database password=hunter2 at Object.<anonymous> (/srv/core.ts:1:1)');
      case 'deploy':
        return new ReplyBuilder('warning')
          .text('Deploy shop to prod?')
          .block({ type: 'buttons', buttons: [{ label: 'Deploy', actionId: 'deploy.confirm', pendingId: 'p42' }] })
          .build();
      case 'restart':
        // Two pending actions, one keyboard: each distinct pending id is attached once.
        return new ReplyBuilder('warning')
          .text('Restart web and worker?')
          .block({
            type: 'buttons',
            buttons: [
              { label: 'Restart web', actionId: 'restart.confirm', pendingId: 'pw' },
              { label: 'Cancel web', actionId: 'restart.cancel', pendingId: 'pw' },
              { label: 'Restart worker', actionId: 'restart.confirm', pendingId: 'pk' },
            ],
          })
          .build();
      case 'logs':
        return new ReplyBuilder().text('Logs for api').attach({ filename: 'api.log', content: 'a\nb\n' }).build();
      case 'long':
        return new ReplyBuilder().text(`${'x'.repeat(4000)}\n${'y'.repeat(100)}`).build();
      default:
        return replies.info(`You said: ${event.text}`);
    }
  }

  commands() {
    return [
      { name: 'status', summary: 'Show services' },
      { name: 'deploy', summary: 'Deploy an image' },
      { name: 'not-valid', summary: 'Skipped: Telegram forbids the dash' },
    ];
  }
}

/** A click answered with new buttons (e.g. four-eyes: the first click asks a second person to approve). */
function approvalReply(): Reply {
  return new ReplyBuilder('warning')
    .text('Waiting for a second approver.')
    .block({ type: 'buttons', buttons: [{ label: 'Approve', actionId: 'deploy.confirm', pendingId: 'p43' }] })
    .build();
}

/** Collects log entries so tests can assert what was logged (and that nothing leaked to chat). */
export function recordingLogger() {
  const entries: { level: string; obj: object; msg?: string }[] = [];
  const make = (): Logger => ({
    debug: (obj, msg) => entries.push({ level: 'debug', obj, msg }),
    info: (obj, msg) => entries.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => entries.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => entries.push({ level: 'error', obj, msg }),
    child: () => make(),
  });
  return { logger: make(), entries };
}
