/**
 * PostedMessageStore on PostgreSQL (table posted_message, one row per key, platform and chat): where each
 * keyed push (Notifier.publish) was posted, so the next publish edits it, also after a restart.
 */
import { z } from 'zod';
import type { Platform } from '../../core/messages/inbound.js';
import type { PostedMessageStore } from '../../core/ports/posted-message.port.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { platformIds } from '../platforms.js';

const where = z.object({
  key: z.string().min(1).max(200),
  platform: z.enum(platformIds),
  chatId: z.string().min(1).max(64),
});
const posted = z.object({ messageId: z.string().min(1).max(64), postedAt: z.date() });

export class PrismaPostedMessages implements PostedMessageStore {
  constructor(private readonly prisma: PrismaClient) {}

  async find(key: string, platform: Platform, chatId: string): Promise<string | null> {
    const id = where.parse({ key, platform, chatId });
    const row = await this.prisma.postedMessage.findUnique({ where: { key_platform_chatId: id }, select: { messageId: true } });
    return row?.messageId ?? null;
  }

  /** One upsert: a message posted anew (the old one was deleted) replaces the old id. */
  async remember(key: string, platform: Platform, chatId: string, messageId: string, at: Date): Promise<void> {
    const id = where.parse({ key, platform, chatId });
    const data = posted.parse({ messageId, postedAt: at });
    await this.prisma.postedMessage.upsert({ where: { key_platform_chatId: id }, create: { ...id, ...data }, update: data });
  }
}
