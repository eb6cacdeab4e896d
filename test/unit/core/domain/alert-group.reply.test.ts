/**
 * The alert message's buttons and response lines, and the postmortem's "Actions taken", on the core test
 * catalog (shop: staging + prod with api/web; billing: prod with worker, no image).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSlack } from '../../../../src/adapters/slack/slack.renderer.js';
import { renderTelegram } from '../../../../src/adapters/telegram/telegram.renderer.js';
import { parseConfig } from '../../../../src/bot/config.js';
import { alertGroupReply, postmortemReply, type AlertReplyOptions } from '../../../../src/core/domain/alert-group.reply.js';
import type { Button, Reply } from '../../../../src/core/messages/reply.js';
import type { Incident } from '../../../../src/core/ports/incident.port.js';

const config = parseConfig(readFileSync(new URL('../../../fixtures/config/core.yaml', import.meta.url), 'utf8'));
const T0 = new Date('2026-11-23T12:00:00Z');
const min = (m: number) => new Date(T0.getTime() + m * 60_000);
const names: Record<string, string> = { alice: 'Alice', dave: 'Dave' };
const opts: AlertReplyOptions = { nameOf: (id) => names[id] ?? id, settings: config.incidents, catalog: config.catalog, now: min(10) };

function incident(over: Partial<Incident> = {}, labels: Record<string, string> = { alertname: 'HighErrorRate', project: 'shop', service: 'api', env: 'prod' }): Incident {
  return {
    id: 'inc7',
    project: 'shop',
    groupKey: 'g',
    title: 'HighErrorRate',
    status: 'open',
    openedAt: T0,
    resolvedAt: null,
    alerts: [{ fingerprint: 'f1', name: 'HighErrorRate', status: 'firing', summary: 'api 5xx', startsAt: T0, endsAt: null, labels }],
    timeline: [{ at: T0, kind: 'opened', text: 'Incident opened by Alertmanager', by: null }],
    acknowledgedBy: null,
    acknowledgedAt: null,
    escalationLevel: 0,
    silenceId: null,
    silencedUntil: null,
    deploymentId: null,
    ...over,
  };
}

const buttonsOf = (reply: Reply): Button[] => reply.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : []));
const labelsOf = (reply: Reply) => buttonsOf(reply).map((b) => b.label);

describe('alertGroupReply buttons', () => {
  it('offers Acknowledge, Silence (length from the settings), Restart and Roll back of the named service', () => {
    const reply = alertGroupReply(incident(), opts);
    expect(buttonsOf(reply)).toEqual([
      { label: 'Acknowledge', actionId: 'incident.ack', pendingId: 'inc7', style: 'primary' },
      { label: 'Silence 1h', actionId: 'incident.silence', pendingId: 'inc7' },
      { label: 'Restart api', actionId: 'incident.restart', pendingId: 'inc7' },
      { label: 'Roll back api', actionId: 'incident.rollback', pendingId: 'inc7', style: 'danger' },
    ]);
    expect(labelsOf(alertGroupReply(incident(), { ...opts, settings: { ...opts.settings, silenceMs: 90 * 60_000 } }))).toContain('Silence 1h 30m');
  });

  it('replaces Acknowledge by who acknowledged, and Silence by the silence in effect until it ends', () => {
    const acked = incident({ acknowledgedBy: 'dave', acknowledgedAt: min(3), silenceId: 'sil-1', silencedUntil: min(63) });
    const reply = alertGroupReply(acked, opts);
    expect(labelsOf(reply)).toEqual(['Restart api', 'Roll back api']);
    expect(reply.text).toContain('Acknowledged by Dave at Mon 23 Nov 12:03 UTC');
    expect(reply.text).toContain('Silenced until Mon 23 Nov 13:03 UTC (silence sil-1)');
    const later = alertGroupReply(acked, { ...opts, now: min(63) });
    expect(labelsOf(later)).toEqual(['Silence 1h', 'Restart api', 'Roll back api']);
    expect(later.text).not.toContain('Silenced until');
  });

  it('offers Restart and Roll back only for a service of the catalog in the alerts’ environment', () => {
    const base = { alertname: 'HighErrorRate', project: 'shop' };
    const only = (labels: Record<string, string>, project = 'shop') => labelsOf(alertGroupReply(incident({ project }, labels), opts));
    expect(only({ ...base, service: 'api' })).toEqual(['Acknowledge', 'Silence 1h']); // shop has two environments
    expect(only({ ...base, service: 'web', env: 'staging' })).toEqual(['Acknowledge', 'Silence 1h']); // web runs in prod only
    expect(only({ ...base, service: 'nope', env: 'prod' })).toEqual(['Acknowledge', 'Silence 1h']);
    expect(only({ ...base, env: 'prod' })).toEqual(['Acknowledge', 'Silence 1h']);
    expect(only({ ...base, service: 'web', env: 'prod' })).toEqual(['Acknowledge', 'Silence 1h', 'Restart web', 'Roll back web']);
    // billing has one environment, so no env label is needed; worker has no image, so no Roll back.
    expect(only({ alertname: 'QueueBacklog', project: 'billing', service: 'worker' }, 'billing')).toEqual(['Acknowledge', 'Silence 1h', 'Restart worker']);
  });

  it('uses only labels every alert shares', () => {
    const inc = incident();
    inc.alerts.push({ ...inc.alerts[0]!, fingerprint: 'f2', labels: { ...inc.alerts[0]!.labels, service: 'web' } });
    expect(labelsOf(alertGroupReply(inc, opts))).toEqual(['Acknowledge', 'Silence 1h']);
  });

  it('shows no buttons once resolved, but still who acknowledged', () => {
    const reply = alertGroupReply(
      incident({ status: 'resolved', resolvedAt: min(30), acknowledgedBy: 'alice', acknowledgedAt: min(2), silenceId: 'sil-2', silencedUntil: min(62) }),
      opts,
    );
    expect(buttonsOf(reply)).toEqual([]);
    expect(reply.text).toContain('Acknowledged by Alice at Mon 23 Nov 12:02 UTC');
    expect(reply.text).not.toContain('Silenced until');
  });

  it('names the linked deploy', () => {
    const linked = incident({
      deploymentId: 'd1',
      timeline: [
        { at: T0, kind: 'deploy', text: 'Linked to deploy of api 1.4.2 to shop/prod by Alice, finished 12m before', by: null },
        { at: min(5), kind: 'deploy', text: 'CI deploy of web v2 to shop/prod succeeded (carol via CI)', by: null },
      ],
    });
    const text = alertGroupReply(linked, opts).text;
    expect(text).toContain('Linked to deploy of api 1.4.2 to shop/prod by Alice, finished 12m before');
    expect(text).not.toContain('CI deploy of web');
  });

  it('stays one Telegram message with its buttons however many long alerts fire', () => {
    const alerts = Array.from({ length: 40 }, (_, i) => ({
      fingerprint: `f${i}`,
      name: `KubePodCrashLooping${'x'.repeat(i % 3 === 0 ? 90 : 5)}`,
      status: 'firing' as const,
      summary: `pod shop-api-${i} restarted ${'again and '.repeat(20)}`,
      startsAt: min(i),
      endsAt: null,
      labels: { alertname: 'KubePodCrashLooping', project: 'shop', service: 'api', env: 'prod', pod: `p${i}` },
    }));
    const reply = alertGroupReply(incident({ alerts }), opts);
    const messages = renderTelegram(reply);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.reply_markup).toBeDefined();
    expect(reply.text).toMatch(/… and \d+ more alerts/);
    expect(renderSlack(reply)).toHaveLength(1);
  });

  it('renders as one Telegram message with one keyboard row (golden) and one Slack actions block', () => {
    const reply = alertGroupReply(incident({ acknowledgedBy: 'dave', acknowledgedAt: min(3) }), opts);
    const telegram = renderTelegram(reply);
    const file = new URL('../../../fixtures/telegram/alert-with-buttons.golden.json', import.meta.url);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, `${JSON.stringify(telegram, null, 2)}\n`);
    expect(telegram).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    const [slack] = renderSlack(reply);
    const actions = slack!.blocks.filter((b) => b.type === 'actions');
    expect(actions).toHaveLength(1);
    expect(JSON.stringify(actions[0])).toContain('"value":"inc7"');
  });
});

describe('postmortemReply', () => {
  it('lists the actions taken and who acknowledged', () => {
    const done = incident({
      status: 'resolved',
      resolvedAt: min(40),
      acknowledgedBy: 'dave',
      acknowledgedAt: min(3),
      timeline: [
        { at: T0, kind: 'opened', text: 'Incident opened by Alertmanager', by: null },
        { at: min(3), kind: 'ack', text: 'Acknowledged', by: 'dave' },
        { at: min(4), kind: 'silence', text: 'Silenced until Mon 23 Nov 13:04 UTC (silence s1)', by: 'dave' },
        { at: min(5), kind: 'note', text: 'looking at api', by: 'alice' },
        { at: min(6), kind: 'action', text: 'Restart of api requested from the alert by Dave', by: 'dave' },
        { at: min(40), kind: 'closed', text: 'All alerts resolved', by: null },
      ],
    });
    const reply = postmortemReply(done, opts.nameOf);
    expect(reply.text).toContain('Acknowledged by: Dave at Mon 23 Nov 12:03 UTC');
    const tables = reply.blocks.filter((b) => b.type === 'table');
    expect(tables[0]).toEqual({
      type: 'table',
      columns: ['TIME', 'WHAT', 'DETAIL'],
      rows: [
        ['Mon 23 Nov 12:03 UTC', 'ack', 'Acknowledged (Dave)'],
        ['Mon 23 Nov 12:04 UTC', 'silence', 'Silenced until Mon 23 Nov 13:04 UTC (silence s1) (Dave)'],
        ['Mon 23 Nov 12:06 UTC', 'action', 'Restart of api requested from the alert by Dave'],
      ],
    });
    expect(tables[1]?.type === 'table' && tables[1].rows).toHaveLength(6);
  });

  it('says when nobody acknowledged and nothing was done', () => {
    const reply = postmortemReply(incident({ status: 'resolved', resolvedAt: min(5) }), opts.nameOf);
    expect(reply.text).toContain('Acknowledged by: nobody');
    expect(reply.text).toContain('No acknowledgement, silence, restart, rollback or deploy was recorded.');
  });
});
