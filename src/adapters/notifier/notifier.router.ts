import type { Platform } from '../../core/messages/inbound.js';
import type { Reply } from '../../core/messages/reply.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type { Notifier, PushOptions } from '../../core/ports/notifier.port.js';
import type { MessageRef } from '../../core/ports/pending-action.port.js';
import { isTransactional, type AfterCommit, type OutboxStore } from './outbox.port.js';

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

  /**
   * The pushes of one unit of work (UnitOfWork): each platform's are written to `outbox`, the unit's view of
   * it, where its notifier writes to the outbox (TransactionalNotifier), else handed to it once the unit
   * committed. Unlike this router's own pushes, one that cannot be queued throws, so the unit rolls back.
   */
  within(outbox: OutboxStore, afterCommit: AfterCommit): Notifier {
    const bound: PlatformNotifiers = {};
    for (const [platform, target] of Object.entries(this.targets) as [Platform, Notifier | undefined][]) {
      if (target) bound[platform] = isTransactional(target) ? target.within(outbox, afterCommit) : this.afterCommitOf(target, afterCommit);
    }
    const all = () => Object.values(bound).filter((t): t is Notifier => t !== undefined);
    return {
      edit: async (ref, reply, options) => {
        const target = bound[ref.platform];
        if (target) await target.edit(ref, reply, options);
        else this.logger.warn({ platform: ref.platform, chatId: ref.chatId }, 'no notifier for the platform; edit dropped');
      },
      tell: async (chat, reply, options) => {
        const target = bound[chat.platform];
        if (target?.tell) await target.tell(chat, reply, options);
        else this.logger.warn({ platform: chat.platform, chatId: chat.chatId }, 'no notifier can post to the chat; message dropped');
      },
      announce: async (project, reply, options) => void (await Promise.all(all().map((t) => t.announce(project, reply, options)))),
      publish: async (project, key, reply, options) => void (await Promise.all(all().map((t) => t.publish(project, key, reply, options)))),
    };
  }

  /** A notifier that keeps no outbox (the shell's): its pushes of a unit are made once the unit committed. */
  private afterCommitOf(target: Notifier, afterCommit: AfterCommit): Notifier {
    const later = (push: () => Promise<void>) => afterCommit(() => void push().catch((err: unknown) => this.logger.error({ err: summary(err) }, 'push after commit failed')));
    return {
      edit: async (ref, reply, options) => later(() => target.edit(ref, reply, options)),
      announce: async (project, reply, options) => later(() => target.announce(project, reply, options)),
      publish: async (project, key, reply, options) => later(() => target.publish(project, key, reply, options)),
      tell: async (chat, reply, options) => later(async () => target.tell?.(chat, reply, options)),
    };
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
