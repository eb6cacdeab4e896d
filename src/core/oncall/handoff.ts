/**
 * On-call handoff announcements: shortly after each handoff, one message in the project's chats saying who
 * hands over to whom. HandoffLog.claim makes it once per handoff across replicas and restarts; handoffs older
 * than the window (e.g. at start-up after downtime) are never announced. The claim and the announcement are
 * one unit of work, so a claimed handoff always has its announcement queued. Each announcement is audited with
 * `deckhand` as the actor.
 */
import { createHash } from 'node:crypto';
import { auditSystemChange, BOT_ACTOR } from '../audit/system-change.js';
import type { Person, RotationSpec } from '../domain/catalog.js';
import { mentionOf, personName } from '../domain/people.js';
import { formatLocal, lastHandoffAt, onCallAt, onCallWith } from '../domain/rotation.js';
import { ReplyBuilder } from '../messages/reply-builder.js';
import type { Reply } from '../messages/reply.js';
import type { AuditLog } from '../ports/audit.port.js';
import type { Clock } from '../ports/clock.port.js';
import { silentLogger, type Logger } from '../ports/logger.port.js';
import type { OncallOverride, OncallOverrideStore } from '../ports/oncall.port.js';
import type { UnitOfWork } from '../ports/unit-of-work.port.js';

export const DEFAULT_HANDOFF_WINDOW_MS = 15 * 60_000;

export interface HandoffDeps {
  rotations: readonly RotationSpec[];
  people: readonly Person[];
  overrides: OncallOverrideStore;
  /** Claims a handoff (HandoffLog) and queues its announcement together. */
  unit: UnitOfWork;
  clock: Clock;
  logger?: Logger;
  audit?: AuditLog;
  /** Handoffs older than this are not announced (default 15 minutes). */
  windowMs?: number;
}

export interface HandoffAnnouncements {
  /** Announces the handoffs due at `now` that nobody announced yet; returns how many this caller posted. */
  run(now?: Date): Promise<number>;
}

/**
 * A key that stays the same across restarts and replicas while the rotation's config does not change
 * (independent of its position in the config).
 */
export function rotationKey(spec: RotationSpec): string {
  const shape = [spec.project, spec.timezone, spec.handoff, spec.period, spec.handoffDay, spec.start, spec.members, spec.secondaries ?? null];
  return `${spec.project}:${createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 16)}`;
}

/** "On-call handoff for shop: Alice → Bob (secondary Carol) until Mon 30 Nov 09:00 GMT+1". */
export function handoffReply(spec: RotationSpec, handoffAt: Date, people: readonly Person[], override: OncallOverride | null): Reply {
  const name = (id: string | null) => personName(people, id);
  const before = onCallAt(spec, new Date(handoffAt.getTime() - 1)).current;
  const now = onCallWith(spec, handoffAt);
  const secondary = now.secondary ? `secondary ${name(now.secondary)}` : 'no secondary';
  // The incoming primary is mentioned, so the handoff reaches them as a notification.
  const b = new ReplyBuilder().mention(
    now.scheduled ? [mentionOf(people, now.scheduled)] : [],
    `On-call handoff for ${spec.project}: ${name(before)} → ${name(now.scheduled)} (${secondary}) until ${formatLocal(now.nextHandoff, spec.timezone)}`,
  );
  if (override) b.context(`Override in effect: ${name(override.personId)} is primary until ${formatLocal(override.endsAt, spec.timezone)}.`);
  return b.build();
}

export function handoffAnnouncements(deps: HandoffDeps): HandoffAnnouncements {
  const logger = deps.logger ?? silentLogger;
  const windowMs = deps.windowMs ?? DEFAULT_HANDOFF_WINDOW_MS;

  const announceOne = async (spec: RotationSpec, now: Date): Promise<boolean> => {
    const at = lastHandoffAt(spec, now);
    if (!at || now.getTime() - at.getTime() >= windowMs) return false;
    const key = rotationKey(spec);
    const override = await deps.overrides.activeAt(spec.project, now);
    const reply = handoffReply(spec, at, deps.people, override);
    // The claim and its announcement commit together: an announcement that cannot be queued leaves the handoff unclaimed for the next sweep.
    const claimed = await deps.unit.run(async ({ handoffs, notifier }) => {
      if (!(await handoffs.claim(key, at, now))) return false;
      await notifier.announce(spec.project, reply, { key: `handoff:${key}:${at.getTime()}` });
      return true;
    });
    if (!claimed) return false;
    await auditSystemChange(
      { audit: deps.audit, clock: deps.clock, logger },
      { source: 'schedule', actor: BOT_ACTOR, requestId: `handoff-${key}-${at.getTime()}`, project: spec.project, intent: 'oncall.handoff', args: spec.project, detail: reply.text },
    );
    return true;
  };

  const run = async (now: Date = deps.clock.now()): Promise<number> => {
    let posted = 0;
    for (const spec of deps.rotations) {
      const done = await announceOne(spec, now).catch((error: unknown) => {
        logger.error({ err: error, project: spec.project }, 'handoff announcement failed');
        return false;
      });
      if (done) posted++;
    }
    return posted;
  };

  return { run };
}
