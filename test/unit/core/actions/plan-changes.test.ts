import { describe, expect, it } from 'vitest';
import { renderSlack } from '../../../../src/adapters/slack/slack.renderer.js';
import { SLACK_LIMITS } from '../../../../src/adapters/slack/slack-block.types.js';
import { renderTelegram, TELEGRAM_TEXT_LIMIT } from '../../../../src/adapters/telegram/telegram.renderer.js';
import { describePlan } from '../../../../src/core/actions/action-plan.js';
import { startedAnnouncement } from '../../../../src/core/actions/action-reply.js';
import { COMMIT_LINE_CHARS, MAX_CHANGES_CHARS } from '../../../../src/core/actions/plan-changes.js';
import type { ActionKind, PendingAction, PlannedService, ServiceChanges } from '../../../../src/core/ports/pending-action.port.js';

const BASE = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);
const URL = `https://github.com/acme/shop-api/compare/${BASE}...${HEAD}`;

const service = (name: string, changes?: ServiceChanges, from = '1.4.0', to = '1.5.0'): PlannedService => ({
  service: name,
  host: 'docker-1',
  currentImage: `registry.example.com/shop/${name}:${from}`,
  currentVersion: from,
  targetImage: `registry.example.com/shop/${name}:${to}`,
  targetVersion: to,
  revision: [`sha256:${name}`],
  units: [`${name}-1`, `${name}-2`],
  ...(changes ? { changes } : {}),
});

const known = (over: Partial<Extract<ServiceChanges, { known: true }>> = {}): ServiceChanges => ({
  known: true,
  repo: 'acme/shop-api',
  base: BASE,
  head: HEAD,
  relation: 'ahead',
  aheadBy: 2,
  behindBy: 0,
  commits: [
    { sha: '1'.repeat(40), title: 'feat: add push notifications', author: 'alice-dev' },
    { sha: '2'.repeat(40), title: 'fix: retry the payment call', author: 'bob-dev' },
  ],
  url: URL,
  ...over,
});

function action(services: PlannedService[], kind: ActionKind = 'deploy'): PendingAction {
  return {
    id: 'p1',
    plan: { kind, project: 'shop', env: 'prod', services, force: false },
    requestedBy: 'alice',
    platform: 'telegram',
    chatId: '-1',
    needsApproval: true,
    status: 'pending',
    createdAt: new Date('2026-11-23T12:00:00Z'),
    expiresAt: new Date('2026-11-23T12:05:00Z'),
    claimedBy: null,
    claimedAt: null,
    message: null,
    result: null,
  };
}

const NO_STATE = { lock: null, freezes: [] };
const name = (id: string) => ({ alice: 'Alice' })[id] ?? id;
const plan = (services: PlannedService[], kind: ActionKind = 'deploy') => describePlan(action(services, kind), NO_STATE, name);
const textBlocks = (services: PlannedService[], kind: ActionKind = 'deploy') => plan(services, kind).blocks.flatMap((b) => (b.type === 'text' ? [b.text] : []));

describe('plan: the code changes', () => {
  it('without changes (no repository mapped) shows only the images, as before', () => {
    expect(textBlocks([service('api')])).toEqual(['registry.example.com/shop/api:1.4.0 → registry.example.com/shop/api:1.5.0']);
  });

  it('with changes: count, commit lines with authors and the compare link, after the images', () => {
    expect(textBlocks([service('api', known())])).toEqual([
      'registry.example.com/shop/api:1.4.0 → registry.example.com/shop/api:1.5.0',
      ['api: 2 commits (aaaaaaa → bbbbbbb)', '• feat: add push notifications (alice-dev)', '• fix: retry the payment call (bob-dev)', URL].join('\n'),
    ]);
  });

  it('a rollback: how many commits it goes back', () => {
    const texts = textBlocks([service('api', known({ relation: 'behind', aheadBy: 0, behindBy: 4, commits: [] }), '1.5.0', '1.4.0')], 'rollback');
    expect(texts[1]).toBe(`api: 4 commits behind the running version (aaaaaaa → bbbbbbb): rolls back.\n${URL}`);
  });

  it('diverged: a warning that the new version does not descend from the running one', () => {
    const texts = textBlocks([service('api', known({ relation: 'diverged', aheadBy: 1, behindBy: 3, commits: [{ sha: '3'.repeat(40), title: 'hotfix: on a branch', author: 'carol' }] }))]);
    expect(texts[1]).toBe(
      [
        '⚠️ api: 1.5.0 is not a descendant of 1.4.0: 1 ahead, 3 behind (aaaaaaa → bbbbbbb); the commits it lacks would be undone.',
        '• hotfix: on a branch (carol)',
        URL,
      ].join('\n'),
    );
  });

  it('an API failure: the images and why the changes are unknown', () => {
    const texts = textBlocks([service('api', { known: false, reason: "GitHub's API rate limit is reached" })]);
    expect(texts).toEqual(['registry.example.com/shop/api:1.4.0 → registry.example.com/shop/api:1.5.0', "api: changes unknown: GitHub's API rate limit is reached."]);
  });

  it('the same commit on both sides: no code changes', () => {
    expect(textBlocks([service('api', known({ relation: 'identical', base: HEAD, aheadBy: 0, commits: [], url: '' }))])[1]).toBe('api: no code changes (both versions are bbbbbbb).');
  });

  it('cuts long commit lines and tags stay whole', () => {
    const long = known({ base: 'v1.4.0', head: 'v1.5.0', commits: [{ sha: '4'.repeat(40), title: `feat: ${'very long subject '.repeat(10)}`, author: 'someone-with-a-very-long-login-name' }] });
    const [, text] = textBlocks([service('api', long)]);
    const line = text!.split('\n')[1]!;
    expect(line.length).toBeLessThanOrEqual(COMMIT_LINE_CHARS);
    expect(line).toMatch(/^• feat: very long subject .*… \(someone-with-a-very-lon…\)$/);
    expect(text!.split('\n')[0]).toBe('api: 2 commits (v1.4.0 → v1.5.0)');
  });

  it('the announcement shows known changes only (the plan said why the others are unknown)', () => {
    const a = action([service('api', known()), service('web', { known: false, reason: 'GITHUB_TOKEN is not set' })]);
    const text = startedAnnouncement(a, name).text;
    expect(text).toContain('api: 2 commits (aaaaaaa → bbbbbbb)');
    expect(text).not.toContain('web: changes unknown');
  });

  it('fewer commit lines per service the more services change, within the size budget', () => {
    const three = ['api', 'web', 'worker'].map((n) =>
      service(n, known({ aheadBy: 30, commits: Array.from({ length: 10 }, (_, j) => ({ sha: `${j}`.padEnd(40, '0'), title: `feat: subject number ${j} of ${n}`, author: 'dev' })) })),
    );
    const changes = textBlocks(three)[1]!;
    expect(changes.length).toBeLessThanOrEqual(MAX_CHANGES_CHARS);
    const lines = changes.split('\n');
    expect(lines.filter((l) => l.startsWith('• ')).length).toBe(18);
    expect(lines.filter((l) => l === '… and 24 more')).toHaveLength(3);
    expect(changes).toContain('• feat: subject number 5 of worker (dev)\n… and 24 more');
  });

  it('ten services with many long commits fit one Telegram message and Slack section limits', () => {
    const many = Array.from({ length: 10 }, (_, i) =>
      service(
        `service-${i}`,
        known({
          aheadBy: 240,
          commits: Array.from({ length: 10 }, (_, j) => ({ sha: `${i}${j}`.padEnd(40, '0'), title: `feat(${i}): <b>${'an & escaped subject '.repeat(8)}</b> ${j}`, author: `author-${j}-with-a-long-name` })),
          url: `https://github.com/acme/service-${i}/compare/${BASE}...${HEAD}`,
        }),
      ),
    );
    const reply = plan(many);
    const changes = reply.blocks.flatMap((b) => (b.type === 'text' ? [b.text] : []))[1]!;
    expect(changes.length).toBeLessThanOrEqual(MAX_CHANGES_CHARS);
    // Ten services keep only their counts and links: the whole list is one click away.
    for (let i = 0; i < 10; i++) expect(changes).toContain(`service-${i}: 240 commits (aaaaaaa → bbbbbbb)\nhttps://github.com/acme/service-${i}/compare/`);

    const telegram = renderTelegram(reply);
    expect(telegram).toHaveLength(1);
    expect(telegram[0]!.text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    expect(telegram[0]!.reply_markup).toBeDefined();

    const slack = renderSlack(reply);
    expect(slack).toHaveLength(1);
    expect(slack[0]!.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
    for (const block of slack[0]!.blocks) {
      if (block.type === 'section' && 'text' in block) expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    }
  });
});
