/**
 * The `health` reply and the morning report's health lines. One table row per service (worst first), the
 * points each signal cost, the trend against 30 days ago, the three most urgent actions, and the reasons of
 * the worst few services in full; short enough for one Telegram message with 30 services.
 */
import { formatDefinitions, ReplyBuilder } from '../messages/reply-builder.js';
import type { Definition, Reply } from '../messages/reply.js';
import type { EnvironmentSpec } from '../domain/catalog.js';
import { plural } from '../domain/wording.js';
import { HEALTH_ATTENTION_BELOW, HEALTH_WEIGHTS, SIGNAL_NAMES, urgentActions, type HealthScore, type HealthSignal } from './health-score.js';
import { TREND_DAYS, type ServiceHealth } from './health-data.js';

/** Services whose reasons are spelled out under the table (the lowest scores that lost points)… */
const DETAILED = 5;
/** …while the reply stays this short (one Telegram message of 4096 characters, with room for markup). */
const TEXT_BUDGET = 3_600;
/** Signals named per table row; the rest are counted (`+2 more`). */
const ROW_SIGNALS = 3;
export const NO_TREND = 'none yet';

/** `restarts -15, image age -10` (the largest few, then `+2 more`); `-` when nothing cost points. */
export function lostPoints(h: HealthScore, most = ROW_SIGNALS): string {
  if (h.deductions.length === 0) return '-';
  const named = h.deductions.slice(0, most).map((d) => `${SIGNAL_NAMES[d.signal]} -${d.points}`);
  const rest = h.deductions.length - named.length;
  return `${named.join(', ')}${rest > 0 ? ` +${rest} more` : ''}`;
}

/** `+5`, `-8`, `=` against the score 30 days ago, or `none yet`. */
export function trendOf(s: ServiceHealth): string {
  if (!s.past) return NO_TREND;
  const delta = s.health.score - s.past.score;
  return delta === 0 ? '=' : delta > 0 ? `+${delta}` : String(delta);
}

const worstFirst = (a: ServiceHealth, b: ServiceHealth) => a.health.score - b.health.score || a.service.localeCompare(b.service);

export function weightsLine(): string {
  const parts = (Object.keys(HEALTH_WEIGHTS) as HealthSignal[]).map((k) => `${SIGNAL_NAMES[k]} ${HEALTH_WEIGHTS[k].weight}`);
  return `Weights (points a signal can cost): ${parts.join(', ')}.`;
}

export interface HealthReplyOptions {
  /** Restarts, unhealthy time and image age come from the cost sampler; false where it does not run. */
  sampled: boolean;
}

export function healthReply(project: string, envs: readonly EnvironmentSpec[], scored: readonly ServiceHealth[], options: HealthReplyOptions): Reply {
  const below = scored.filter((s) => s.health.score < HEALTH_ATTENTION_BELOW);
  const b = new ReplyBuilder(below.length > 0 ? 'warning' : 'success').header(`Health of ${project}`);
  b.text(`${plural(scored.length, 'service')} · ${below.length === 0 ? 'none' : below.length} below ${HEALTH_ATTENTION_BELOW}`);
  for (const env of envs) {
    const rows = scored.filter((s) => s.env === env.name).sort(worstFirst);
    b.context(`${env.name}${env.production ? ' (production)' : ''}`);
    b.table(['SERVICE', 'SCORE', 'TREND', 'LOST'], rows.length ? rows.map((s) => [s.service, String(s.health.score), trendOf(s), lostPoints(s.health)]) : [['(no services configured)', '', '', '']]);
  }
  const label = (s: ServiceHealth) => (envs.length > 1 ? `${s.service} (${s.env})` : s.service);
  const actions = urgentActions(scored.map((s) => ({ label: label(s), health: s.health })));
  if (actions.length > 0) b.text(`Most urgent:\n${actions.map((a, i) => `${i + 1}. ${a}`).join('\n')}`);
  const notes: string[] = [];
  if (!options.sampled) notes.push('Restarts, unhealthy time and image age are not measured here (the cost sampler runs with the server).');
  else {
    const unsampled = scored.filter((s) => s.health.unmeasured.includes('restarts')).map(label);
    if (unsampled.length > 0) notes.push(`No sampler readings in 7 days of: ${unsampled.join(', ')}.`);
    // Sampled, yet no build date: the runtime does not report one (Kubernetes names an image and its
    // digest only), so the signal is unknown, not 0.
    const undated = scored.filter((s) => s.health.unmeasured.includes('image age') && !s.health.unmeasured.includes('restarts')).map(label);
    if (undated.length > 0) notes.push(`Image age not measured (their runtime does not say when an image was built): ${undated.join(', ')}.`);
  }
  const noSlo = scored.filter((s) => s.health.unmeasured.includes('SLO')).map(label);
  if (noSlo.length > 0) notes.push(`SLOs not measured (Prometheus did not answer): ${noSlo.join(', ')}.`);
  notes.push(`Trend: against the score ${TREND_DAYS} days ago from the same records; "${NO_TREND}" where they do not reach back that far.`);
  notes.push(weightsLine());
  const note = notes.join('\n');
  // The reasons in full, worst service first, as many as the budget leaves room for.
  const details: Definition[] = [];
  let room = TEXT_BUDGET - b.build().text.length - note.length;
  for (const s of scored.filter((x) => x.health.deductions.length > 0).sort(worstFirst).slice(0, DETAILED)) {
    const item = { term: `${label(s)}: ${s.health.score}`, description: s.health.deductions.map((d) => `${d.reason} (-${d.points} of ${d.weight})`).join('; ') };
    room -= formatDefinitions([item]).length + 1;
    if (room < 0) break;
    details.push(item);
  }
  if (details.length > 0) b.definitions(details);
  b.context(note);
  return b.build();
}

/** The morning report's lines: one per service below the threshold, worst first; empty when none is. */
export function healthAttentionLines(scored: readonly ServiceHealth[]): string[] {
  return scored
    .filter((s) => s.health.score < HEALTH_ATTENTION_BELOW)
    .sort(worstFirst)
    .map((s) => `${s.env}/${s.service} ${s.health.score} (${trendOf(s)}): ${lostPoints(s.health)}`);
}
