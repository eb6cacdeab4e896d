import type { ChatBinding } from '../../core/domain/catalog.js';

/**
 * `chatsFor` for one platform's notifier, from the configured chat bindings: the chat ids bound to a
 * project, each once, in configuration order.
 */
export function chatsForPlatform(chats: readonly ChatBinding[], platform: ChatBinding['platform']): (project: string) => string[] {
  return (project) => [...new Set(chats.filter((c) => c.platform === platform && c.projects.includes(project)).map((c) => c.chatId))];
}
