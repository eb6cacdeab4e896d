/**
 * What a unit of use costs: `cost: { currency, cpuCoreHour, memoryGbHour, storageGbMonth }` in the YAML,
 * per project, per host or for everything (`cost.prices`). A service is priced by its project's prices,
 * else its host's, else the default ones; none of them: it is measured but costs nothing shown.
 */
import { z } from 'zod';

export const priceSchema = z.strictObject({
  /** ISO 4217 code (USD, EUR…): shown with every amount; one currency per project. */
  currency: z.string().regex(/^[A-Z]{3}$/, 'a three-letter currency code such as USD or EUR').default('USD'),
  /** Price of one CPU core used for one hour. */
  cpuCoreHour: z.number().nonnegative().default(0),
  /** Price of one GB (2^30 bytes) of memory held for one hour. */
  memoryGbHour: z.number().nonnegative().default(0),
  /** Price of one GB (2^30 bytes) of disk held for a month (30 days). */
  storageGbMonth: z.number().nonnegative().default(0),
});

export type Price = z.infer<typeof priceSchema>;

/** How cost is measured and judged (the `cost:` section of the YAML). */
export interface CostSettings {
  /** Prices for services whose project and host have none. */
  prices?: Price;
  byProject: Readonly<Record<string, Price>>;
  byHost: Readonly<Record<string, Price>>;
  /** How often the sampler reads every unit's use. */
  sampleEveryMs: number;
  /** An environment none of whose units used more CPU cores than this in an hour counts as idle that hour. */
  idleCpuCores: number;
  /** Days without an hour above `idleCpuCores` before an environment is called idle. */
  idleDays: number;
  /** Week-over-week growth (0.5 = +50%) at which `cost` warns and the project's chats are told once a week. */
  anomalyGrowth: number;
}

export const DEFAULT_COST_SETTINGS: CostSettings = {
  byProject: {},
  byHost: {},
  sampleEveryMs: 5 * 60_000,
  idleCpuCores: 0.01,
  idleDays: 7,
  anomalyGrowth: 0.5,
};

/** The price of a service of `project` on `host`: the project's, else the host's, else the default. */
export function priceFor(settings: Pick<CostSettings, 'prices' | 'byProject' | 'byHost'>, project: string, host: string): Price | undefined {
  return settings.byProject[project] ?? settings.byHost[host] ?? settings.prices;
}

export const GB = 2 ** 30;
export const HOUR_S = 3600;
export const MONTH_S = 30 * 86_400;
