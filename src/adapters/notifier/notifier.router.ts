import type { Platform } from '../../core/messages/inbound.js';
import type { Reply } from '../../core/messages/reply.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type { Notifier, PushOptions } from '../../core/ports/notifier.port.js';
import type { MessageRef } from '../../core/ports/pending-action.port.js';

export type PlatformNotifiers = Partial<Record<Platform, Notifier>>;

/**
 * The one Notifier the core and the jobs get: an edit goes to the notifier of the message's platform, an
 * announcement and a keyed publish to every platform (each keeps its own messages per chat). A failure to
 * queue a push is logged, never thrown, so a deploy never fails because a chat could not be told. Platforms can be added after construction (`use`), since
 * the adapters need the core, which needs this notifier.
 */
export class NotifierRouter implements Notifier {
  private readonly targets: PlatformNotifiers;
  private readonly logger: Logger;

  constructor(targets: PlatformNotifiers, logger: Logger) {
    this.targets = { ...targets };
    this.logger = logger.child({ component: 'notifier' });
  }

  use(platform: Platform, notifier: Notifier): this {
    this.targets[platform] = notifier;
    return this;
  }

  async edit(ref: MessageRef, reply: Reply, options?: PushOptions): Promise<void> {
    const target = this.targets[ref.platform];
    if (!target) {
      this.logger.warn({ platform: ref.platform, chatId: ref.chatId }, 'no notifier for the platform; edit dropped');
      return;
    }
    try {
      await target.edit(ref, reply, options);
    } catch (err) {
      this.logger.error({ err: summary(err), platform: ref.platform, chatId: ref.chatId, messageId: ref.messageId }, 'message edit failed');
    }
  }

  /** To one chat of one platform; where that platform's notifier cannot post to a chat, it is logged and dropped. */
  async tell(chat: { platform: Platform; chatId: string }, reply: Reply, options?: PushOptions): Promise<void> {
    const target = this.targets[chat.platform];
    if (!target?.tell) {
      this.logger.warn({ platform: chat.platform, chatId: chat.chatId }, 'no notifier can post to the chat; message dropped');
      return;
    }
    try {
      await target.tell(chat, reply, options);
    } catch (err) {
      this.logger.error({ err: summary(err), platform: chat.platform, chatId: chat.chatId }, 'message to a chat failed');
    }
  }

  async announce(project: string, reply: Reply, options?: PushOptions): Promise<void> {
    await this.everywhere((target) => target.announce(project, reply, options), { project }, 'announcement failed');
  }

  async publish(project: string, key: string, reply: Reply, options?: PushOptions): Promise<void> {
    await this.everywhere((target) => target.publish(project, key, reply, options), { project, key }, 'publish failed');
  }

  /** Runs the push on every platform at once; a platform failing is logged and does not stop the others. */
  private async everywhere(push: (target: Notifier) => Promise<void>, context: Record<string, string>, failed: string): Promise<void> {
    const active = Object.entries(this.targets).flatMap(([platform, target]) => (target ? [{ platform, target }] : []));
    const results = await Promise.allSettled(active.map(({ target }) => push(target)));
    results.forEach((result, i) => {
      if (result.status === 'rejected') this.logger.error({ err: summary(result.reason), platform: active[i]?.platform, ...context }, failed);
    });
  }
}

export function createNotifier(targets: PlatformNotifiers, logger: Logger): NotifierRouter {
  return new NotifierRouter(targets, logger);
}

function summary(err: unknown): { message: string } {
  return { message: err instanceof Error ? err.message : String(err) };
}
