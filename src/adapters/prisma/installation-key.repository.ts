/**
 * InstallationKeys on PostgreSQL (table installation_key, one row per purpose): a random 32-byte key made
 * the first time a purpose asks for it. Replicas racing to make it insert with ON CONFLICT DO NOTHING and
 * all read back the one row that won, so every replica hashes with the same key, also after restarts.
 * The key never leaves the process except to PostgreSQL, and is never logged.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { InstallationKeys } from '../../core/ports/promotion.port.js';
import type { PrismaClient } from '../../generated/prisma/client.js';

const purposeSchema = z.string().regex(/^[a-z0-9-]{1,64}$/);
export const KEY_BYTES = 32;

export class PrismaInstallationKeys implements InstallationKeys {
  private readonly cache = new Map<string, Promise<Uint8Array>>();

  constructor(private readonly prisma: PrismaClient) {}

  key(purpose: string): Promise<Uint8Array> {
    const name = purposeSchema.parse(purpose);
    let got = this.cache.get(name);
    if (!got) {
      got = this.load(name);
      this.cache.set(name, got);
      // A failure (the database away) is not remembered: the next call asks again.
      got.catch(() => this.cache.delete(name));
    }
    return got;
  }

  private async load(purpose: string): Promise<Uint8Array> {
    await this.prisma.installationKey.createMany({ data: [{ purpose, key: randomBytes(KEY_BYTES) }], skipDuplicates: true });
    const row = await this.prisma.installationKey.findUniqueOrThrow({ where: { purpose }, select: { key: true } });
    return new Uint8Array(row.key);
  }
}
