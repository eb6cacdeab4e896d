/**
 * What `promote` needs beyond a deploy: the registry check of every image (a manifest HEAD), the
 * per-installation key of configuration hashes (kept in PostgreSQL) and the soak time from the config.
 */
import { PrismaInstallationKeys } from '../../adapters/prisma/installation-key.repository.js';
import { RegistryLabels } from '../../adapters/registry/registry-labels.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type { PromotionServices } from '../../core/services.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { DeckhandConfig } from '../config.js';
import type { Env } from '../env.js';

export function wirePromotion(env: Env, config: DeckhandConfig, prisma: PrismaClient, logger: Logger): PromotionServices {
  const insecure = (env.REGISTRY_INSECURE ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return {
    images: new RegistryLabels({ logger: logger.child({ component: 'promotion' }), insecure }),
    keys: new PrismaInstallationKeys(prisma),
    soakMs: config.promotion.soakMs,
  };
}
