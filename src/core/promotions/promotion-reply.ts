/**
 * A promotion plan as a reply: the versions on both sides, the commits between, the configuration diff
 * (keys only), the pre-flight checks, and either Promote now / Cancel or why it cannot run. Sized so ten
 * services fit one chat message (Telegram 4096 characters, a Slack section 3000).
 */
import { CANCEL, CONFIRM, SCHEDULE } from '../actions/action-plan.js';
import type { NameOf } from '../actions/action-state.js';
import { changesText } from '../actions/plan-changes.js';
import { formatLocal } from '../domain/rotation.js';
import { ReplyBuilder } from '../messages/reply-builder.js';
import type { Reply } from '../messages/reply.js';
import type { ActionPlan, ConfigDiff, PendingAction, PreflightCheck } from '../ports/pending-action.port.js';
import { MARK } from './promotion-checks.js';

/** The code changes of a promotion get less room than a deploy's: the checks and the configuration need theirs. */
const CHANGES_CHARS = 1_300;
const CONFIG_CHARS = 900;
const CHECKS_CHARS = 900;
const KEYS_SHOWN = 4;
const KEY_CHARS = 40;

const cut = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

function keys(list: readonly string[]): string {
  const shown = list.slice(0, KEYS_SHOWN).map((k) => cut(k, KEY_CHARS)).join(', ');
  return list.length > KEYS_SHOWN ? `${shown} +${list.length - KEYS_SHOWN}` : shown;
}

/** What differs for one service, without its name (so services that differ alike share one entry). */
function configParts(d: ConfigDiff, to: string): string[] {
  if (d.unknown) return [d.unknown];
  return [
    d.missingInTarget.length > 0 ? `missing in ${to}: ${keys(d.missingInTarget)}` : '',
    d.missingInSource.length > 0 ? `only in ${to}: ${keys(d.missingInSource)}` : '',
    d.differing.length > 0 ? `values differ: ${keys(d.differing)}` : '',
  ].filter(Boolean);
}

function servicesNamed(names: readonly string[], total: number): string {
  if (names.length === total && total > 1) return `all ${total} services`;
  return names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
}

/** Lines kept while they fit `max` characters; the rest counted in a last line. */
function bounded(lines: readonly string[], max: number): string {
  const out: string[] = [];
  let length = 0;
  for (const [i, line] of lines.entries()) {
    const rest = lines.length - i;
    if (length + line.length + 1 > max - 20 && rest > 1) {
      out.push(`… ${rest} more`);
      break;
    }
    out.push(line);
    length += line.length + 1;
  }
  return out.join('\n');
}

export function configText(config: readonly ConfigDiff[], from: string, to: string): string {
  const head = 'Configuration (keys only; values compared by keyed hash, never shown):';
  const groups = new Map<string, { names: string[]; parts: string[] }>();
  for (const d of config) {
    const parts = configParts(d, to);
    if (parts.length === 0) continue;
    const key = parts.join('\n');
    const group = groups.get(key) ?? { names: [], parts };
    group.names.push(d.service);
    groups.set(key, group);
  }
  if (groups.size === 0) return `${head}\nthe same in ${from} and ${to}.`;
  const same = config.length - [...groups.values()].reduce((n, g) => n + g.names.length, 0);
  const lines = [...groups.values()].map((g) => [`${servicesNamed(g.names, config.length)}:`, ...g.parts.map((p) => `  ${p}`)].join('\n'));
  const tail = same > 0 ? [`${same === 1 ? '1 other service is' : `${same} other services are`} the same.`] : [];
  return `${head}\n${bounded([...lines, ...tail], CONFIG_CHARS)}`;
}

export function checksText(checks: readonly PreflightCheck[]): string {
  // ⛔ first, then ⚠️, then ✅: what stops the promotion is read before what passed.
  const order = { block: 0, warn: 1, ok: 2 } as const;
  const sorted = [...checks].sort((a, b) => order[a.level] - order[b.level]);
  return `Pre-flight checks:\n${bounded(sorted.map((c) => `${MARK[c.level]} ${cut(c.text, 140)}`), CHECKS_CHARS)}`;
}

export interface PromotionReplyOptions {
  /** The stored pending action: the reply gets Promote now / Cancel. */
  action?: PendingAction;
  /** Why the plan cannot run (no buttons then). */
  verdict?: string;
  /** When the project's release window next opens: the reply offers "Schedule for tonight" for then. */
  scheduleAt?: Date;
  tz: string;
  nameOf: NameOf;
}

export function promotionTitle(plan: ActionPlan): string {
  return `Promote ${plan.project}: ${plan.promotion?.from ?? '?'} → ${plan.env}`;
}

export function promotionReply(plan: ActionPlan, opts: PromotionReplyOptions): Reply {
  const promotion = plan.promotion!;
  const { from } = promotion;
  const blocked = promotion.checks.some((c) => c.level === 'block');
  const tone = opts.verdict ? (blocked ? 'error' : 'warning') : plan.force ? 'warning' : 'info';
  const b = new ReplyBuilder(tone).header(`${promotionTitle(plan)} (${plan.services.length === 1 ? '1 service' : `${plan.services.length} services`})`);
  b.table(['SERVICE', from.toUpperCase(), plan.env.toUpperCase()], plan.services.map((s) => [s.service, cut(s.targetVersion, 24), cut(s.currentVersion, 24)]));
  if (promotion.inSync.length > 0) b.text(`Already the same in both: ${promotion.inSync.join(', ')}.`);
  const changes = changesText(plan.services, CHANGES_CHARS);
  if (changes) b.text(changes);
  b.text(configText(promotion.config, from, plan.env));
  b.text(checksText(promotion.checks));
  if (opts.verdict || !opts.action) {
    b.context(opts.verdict ?? 'Nothing ran.');
    return b.build();
  }
  const action = opts.action;
  const fields = [
    { label: 'Requested by', value: opts.nameOf(action.requestedBy) },
    { label: 'Expires', value: formatLocal(action.expiresAt, opts.tz) },
  ];
  if (plan.force) fields.push({ label: 'Force', value: 'yes: past the warnings above (audited and announced)' });
  if (opts.scheduleAt) fields.push({ label: 'Tonight', value: `${formatLocal(opts.scheduleAt, opts.tz)} (release window)` });
  b.fields(fields);
  b.context(
    `${action.needsApproval ? `${plan.env}: another operator must approve (four-eyes).` : 'Nothing runs until you confirm.'} Services go one after another; it stops at the first that fails.`,
  );
  b.block({
    type: 'buttons',
    buttons: [
      { label: 'Promote now', actionId: CONFIRM, pendingId: action.id, style: 'primary' },
      ...(opts.scheduleAt ? [{ label: 'Schedule for tonight', actionId: SCHEDULE, pendingId: action.id }] : []),
      { label: 'Cancel', actionId: CANCEL, pendingId: action.id, style: 'danger' as const },
    ],
  });
  return b.build();
}
