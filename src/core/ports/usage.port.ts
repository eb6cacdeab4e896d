/**
 * Measured use of every service (the cost sampler's readings) in PostgreSQL: raw samples as they are read,
 * compacted into one row per service and hour, and what the sampler remembers of each unit between reads.
 */

/** One reading of one unit, standing for the `seconds` before `at`. */
export interface UsageSample {
  /** The sampler's fire time (the same for every unit of one run). */
  at: Date;
  host: string;
  unitId: string;
  project: string;
  env: string;
  service: string;
  /** Time this reading stands for (since the unit's previous reading, or one interval). */
  seconds: number;
  /** Average CPU cores used over those seconds. */
  cpuCores: number;
  memoryBytes: number;
  storageBytes: number;
  /** Restarts since the unit's previous reading. */
  restarts: number;
  unhealthy: boolean;
  imageCreatedAt: Date | null;
}

/** What the sampler keeps of a unit between two reads, to turn counters into rates. */
export interface UnitMark {
  host: string;
  unitId: string;
  readAt: Date;
  cpuTotalNs: number;
  restartCount: number;
}

/** One service's use over one UTC day (sums of its hourly rows). */
export interface UsageDay {
  project: string;
  env: string;
  service: string;
  /** Midnight UTC of the day. */
  day: Date;
  /** Unit-seconds observed (two replicas for an hour: 7200). */
  seconds: number;
  /** Hours of the day in which the service was measured at all (0–24): how much of the day the rows cover. */
  hours: number;
  cpuCoreSeconds: number;
  memoryByteSeconds: number;
  storageByteSeconds: number;
  /** Highest hourly average of CPU cores of any unit reading that day. */
  maxCpuCores: number;
  restarts: number;
  unhealthySeconds: number;
  /** Oldest image build date seen that day. */
  imageCreatedAt: Date | null;
}

export interface UsageQuery {
  projects: readonly string[];
  /** Days from this instant's UTC day … */
  from: Date;
  /** … up to (excluding) this one's. */
  to: Date;
}

export interface UsageStore {
  /** The marks of these units (of one host), by unit id. */
  marks(host: string, unitIds: readonly string[]): Promise<Map<string, UnitMark>>;
  /**
   * Writes one run's samples and the units' new marks together. A sample of a (at, host, unit) already
   * written is ignored, so a run repeated after a crash does not count twice.
   */
  record(samples: readonly UsageSample[], marks: readonly UnitMark[]): Promise<void>;
  /**
   * Moves every sample taken before `before` into the hourly rows and deletes it; one caller at a time.
   * Returns how many samples were compacted.
   */
  compact(before: Date): Promise<number>;
  /** Per service and UTC day, from the hourly rows (samples not compacted yet are not included). */
  daily(q: UsageQuery): Promise<UsageDay[]>;
  /** Whether the week-over-week warning of a project was sent for the week starting `weekStart`. */
  anomalySent(project: string, weekStart: Date): Promise<boolean>;
  /** Remembers that it was (a second call changes nothing). */
  markAnomalySent(project: string, weekStart: Date): Promise<void>;
}
