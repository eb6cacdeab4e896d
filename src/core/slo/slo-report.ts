/**
 * `slo [project] [env]`: per SLO of the services the person may see, its attainment over the SLO window,
 * the error budget left (share and minutes), the burn rate over each burn-rate rule's long window (1 h and
 * 6 h by default) and, while a rule fires, the plain-language line; with the budget burn-down as a chart.
 */
import type { EnvironmentSpec } from '../domain/catalog.js';
import { burnSentence, percent, promDuration, times } from '../domain/slo.js';
import { ReplyBuilder, replies } from '../messages/reply-builder.js';
import type { Reply } from '../messages/reply.js';
import type { Clock } from '../ports/clock.port.js';
import type { Logger } from '../ports/logger.port.js';
import { queryProblem, TimeSeriesUnavailableError } from '../ports/timeseries.port.js';
import { assessSlo, type SloAssessment, type SloServices } from './slo-assessment.js';
import { budgetChart } from './slo-chart.js';

export interface SloReportDeps {
  slo?: SloServices | undefined;
  clock: Clock;
  logger: Logger;
}

const round1 = (n: number) => (Math.abs(n) >= 1000 ? Math.round(n).toString() : (Math.round(n * 10) / 10).toString());

/** Budget time: `21.6 min`, or `1.2 s` for windows so short that the budget is under a minute (tests). */
export function budgetTime(minutes: number, whole: number): string {
  return whole >= 1 ? `${round1(minutes)} min` : `${round1(minutes * 60)} s`;
}

/** `budget left 50% (21.6 of 43.2 min)`, or `budget overspent by 30% (13 min over 43.2 min)`. */
export function budgetText(left: number, wholeMinutes: number): string {
  const unit = (m: number) => budgetTime(m, wholeMinutes);
  if (left >= 0) return `budget left ${percent(left, 1)} (${unit(left * wholeMinutes).replace(/ (min|s)$/, '')} of ${unit(wholeMinutes)})`;
  return `budget overspent by ${percent(-left, 1)} (${unit(-left * wholeMinutes)} over ${unit(wholeMinutes)})`;
}

/** The long windows of the rules, each once: the burn rates `slo` shows. */
const shownBurnWindows = (slo: SloServices) => [...new Set(slo.burnRules.map((r) => r.longMs))].sort((a, b) => a - b);

function lines(a: SloAssessment, slo: SloServices): string[] {
  const head = `${a.service.name} ${a.slo.name}: ${percent(a.slo.objective, 3)} over ${promDuration(a.slo.windowMs)}`;
  if (a.attainment === undefined || a.left === undefined) return [head, 'no events in the window yet'];
  const budget = budgetText(a.left, a.budgetMinutes);
  const burns = shownBurnWindows(slo).map((w) => {
    const b = a.burns.get(w);
    return `${promDuration(w)} ${b === undefined ? 'n/a' : times(b)}`;
  });
  const out = [head, `attained ${percent(a.attainment, 3)} · ${budget}`, `burn ${burns.join(' · ')}`];
  const rule = a.firing[0];
  if (rule) {
    out.push(`⚠️ burning above ${times(rule.factor)} over ${promDuration(rule.longMs)} and ${promDuration(rule.shortMs)} (${rule.severity})`);
    out.push(`${burnSentence(a.slo.windowMs, a.left, a.burns.get(rule.longMs) ?? 0)}.`);
  }
  return out;
}

export async function sloReply(deps: SloReportDeps, project: string, envs: readonly EnvironmentSpec[]): Promise<Reply> {
  const targets = envs.flatMap((env) => env.services.flatMap((service) => (service.slos ?? []).map((slo) => ({ env, service, slo }))));
  if (targets.length === 0) {
    return replies.info(`No SLOs are configured for ${project}${envs.length === 1 ? ` ${envs[0]!.name}` : ''}. A service declares them under slos: in the config.`);
  }
  const slo = deps.slo;
  if (!slo) return replies.warning('SLOs need a metrics server: prometheus.url is not set in the config.');
  const now = deps.clock.now();
  const results = await Promise.all(
    targets.map(async (t) => {
      try {
        return { ...t, ok: true as const, a: await assessSlo(slo, t.service, t.slo, now) };
      } catch (err) {
        deps.logger.warn({ project, service: t.service.name, slo: t.slo.name, reason: queryProblem(err) }, 'cannot measure an SLO');
        return { ...t, ok: false as const, err };
      }
    }),
  );
  const failures = results.filter((r) => !r.ok);
  if (failures.length === results.length && failures.every((f) => !f.ok && f.err instanceof TimeSeriesUnavailableError)) {
    const first = failures[0]!;
    return replies.warning(`${queryProblem(!first.ok ? first.err : undefined)}: SLOs cannot be measured right now.`, 'Nothing else is affected; try again in a minute.');
  }
  const assessed = results.flatMap((r) => (r.ok ? [r.a] : []));
  const burning = assessed.some((a) => a.firing.length > 0 || (a.left !== undefined && a.left <= 0));
  const b = new ReplyBuilder(burning || failures.length > 0 ? 'warning' : 'success').header(`${project} SLOs`);
  for (const env of envs) {
    const mine = results.filter((r) => r.env === env);
    if (mine.length === 0) continue;
    b.context(`${env.name}${env.production ? ' (production)' : ''}`);
    for (const r of mine) {
      if (r.ok) b.text(lines(r.a, slo).join('\n'));
      else b.text(`${r.service.name} ${r.slo.name}: not measured (${queryProblem(r.err)})`);
    }
  }
  const chart = await budgetChart(slo, assessed, now);
  if (chart) b.chart(chart);
  return b.build();
}
