/**
 * The answer to `logs <project> <env> --grep … | --at …`: one line per log line, `time service/replica
 * text`, oldest first; the lines nearest the moment (or the newest) in chat, all of them as a file when
 * they do not fit.
 */
import { DateTime } from 'luxon';
import type { EnvironmentSpec } from '../domain/catalog.js';
import { formatDuration } from '../domain/duration.js';
import { ReplyBuilder } from '../messages/reply-builder.js';
import type { Reply } from '../messages/reply.js';
import type { CrossLogsResult, MergedLine } from './cross-service-logs.js';
import { capLines, type LogWindow } from './log-window.js';

export interface EnvLogsView {
  env: EnvironmentSpec;
  grep: string | undefined;
  window: LogWindow;
  zone: string;
  sinceMs: number | undefined;
  windowMs: number | undefined;
  /** Lines shown in the message itself. */
  inline: number;
  cap: number;
}

export function formatMergedLine(l: MergedLine, zone: string): string {
  const time = l.at ? DateTime.fromJSDate(l.at, { zone }).toFormat('HH:mm:ss.SSS') : '--:--:--.---';
  return `${time} ${l.service}/${l.replica} ${l.stream === 'stderr' ? '! ' : ''}${l.text}`;
}

export function envLogsReply(view: EnvLogsView, result: CrossLogsResult): Reply {
  const { env, grep, window, zone } = view;
  const title = `${env.project} · ${env.name}`;
  const range = window.around
    ? `around ${DateTime.fromJSDate(window.around, { zone }).toFormat('ccc d LLL HH:mm:ss')} ± ${formatDuration(view.windowMs ?? 0)} (${zone})`
    : `last ${formatDuration(view.sinceMs ?? 0)}`;
  const b = new ReplyBuilder(result.problems.length > 0 ? 'warning' : 'info').header(`Logs ${title}`);
  b.context([grep ? `"${grep}"` : undefined, range].filter(Boolean).join(' · '));
  for (const p of result.problems) b.text(`⚠️ ${p}.`);
  if (result.lines.length === 0) {
    const where = result.read.length > 0 ? ` in ${result.read.join(', ')}` : '';
    return b.text(grep ? `No line contains "${grep}"${where}.` : `No log lines${where} in that range.`).build();
  }
  const all = result.lines.map((l) => formatMergedLine(l, zone));
  const shown = capLines(result.lines, view.inline, window.around).map((l) => formatMergedLine(l, zone));
  b.code(shown.join('\n'));
  const services = [...new Set(result.lines.map((l) => l.service))];
  const parts = [`${all.length} lines from ${services.join(', ')}`];
  if (result.matched > all.length) parts[0] = `${all.length} of ${result.matched} lines (at most ${view.cap}) from ${services.join(', ')}`;
  if (shown.length < all.length) {
    parts.push(`${shown.length} here, all in the file`);
    const name = `${env.project}-${env.name}${grep ? `-${grep}` : ''}`.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80);
    b.attach({ filename: `${name}.log`, content: `${all.join('\n')}\n`, title: `Logs ${title}` });
  }
  parts.push(`times ${zone}`, 'stderr lines marked !', 'secrets masked');
  return b.context(parts.join(' · ')).build();
}
