import { ReplyBuilder, replies } from '../../../../src/core/messages/reply-builder.js';
import type { InboundEvent } from '../../../../src/core/messages/inbound.js';
import type { Reply } from '../../../../src/core/messages/reply.js';
import type { ChatCore } from '../../../../src/core/pipeline/chat-core.js';
import type { Logger } from '../../../../src/core/ports/logger.port.js';

/**
 * A small ChatCore for adapter tests (the adapter is under test, not the core): records every event
 * and answers by command name.
 */
export class RecordingCore implements ChatCore {
  readonly events: InboundEvent[] = [];

  async handle(event: InboundEvent): Promise<Reply> {
    this.events.push(event);
    if (event.kind === 'action') return new ReplyBuilder('success').text(`Done: ${event.actionId}`).build();
    const [name] = event.text.split(' ');
    switch (name) {
      case 'boom':
        throw new Error('database password=hunter2 at Object.<anonymous> (/srv/core.ts:1:1)');
      case 'deploy':
        return new ReplyBuilder('warning')
          .text('Deploy shop to prod?')
          .block({ type: 'buttons', buttons: [{ label: 'Deploy', actionId: 'deploy.confirm', pendingId: 'p42' }] })
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
