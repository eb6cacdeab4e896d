import { describe, expect, it } from 'vitest';
import { coreHarness } from '../../support/core-harness.js';

describe('pipeline: identity, gate and audit', () => {
  it('refuses an unknown person, tells them their id, and audits the refusal', async () => {
    const h = coreHarness();
    const reply = await h.say('status shop', { user: '999' });
    expect(reply.tone).toBe('error');
    expect(reply.text).toContain('not allowed');
    expect(reply.text).toContain('telegram user id 999');
    expect(reply.text).not.toContain('shop');
    expect(h.audit.last()).toMatchObject({ outcome: 'refused', personId: null, platformUserId: '999', detail: 'unknown person', intent: null });
  });

  it('refuses a known person in a group chat that is not registered', async () => {
    const h = coreHarness();
    const reply = await h.say('status', { chat: '-100777', chatType: 'group' });
    expect(reply.text).toContain('This chat is not registered');
    expect(reply.text).toContain('-100777');
    expect(h.audit.last().outcome).toBe('refused');
  });

  it('answers an unknown command with the nearest match', async () => {
    const h = coreHarness();
    const reply = await h.say('stauts shop');
    expect(reply.text).toContain('Unknown command "stauts"');
    expect(reply.text).toContain('Did you mean status?');
    expect(h.audit.last()).toMatchObject({ outcome: 'invalid', intent: null });
  });

  it('refuses a viewer running an operator intent and records who and what', async () => {
    const h = coreHarness();
    const reply = await h.say('env api prod', { user: '1002' });
    expect(reply.text).toBe('You need the operator role on shop/prod to run env.\n\nAsk an admin of the project for access.');
    expect(h.audit.last()).toMatchObject({ outcome: 'refused', personId: 'bob', intent: 'env', args: 'env api prod' });
  });

  it('limits an environment-scoped grant to that environment', async () => {
    const h = coreHarness();
    h.runtimes.get('docker-1').add({ name: 'api-s', labels: { app: 'shop-api', env: 'staging' }, env: { A: '1' } });
    expect((await h.say('env api staging', { user: '1003' })).tone).toBe('info');
    expect((await h.say('env api prod', { user: '1003' })).text).toContain('You need the operator role on shop/prod');
  });

  it('masks secrets in audited arguments', async () => {
    const h = coreHarness();
    await h.say('logs api prod --grep password=hunter22');
    expect(h.audit.last().args).toBe('logs api prod --grep password=****');
  });

  it('turns a crashing handler into a short reply with a request id, no stack', async () => {
    const h = coreHarness();
    const rt = h.runtimes.get('docker-1');
    rt.find = async () => {
      throw new TypeError('boom at secret internals');
    };
    const reply = await h.say('env api staging');
    expect(reply.text).not.toContain('boom');
    expect(reply.text).not.toContain('at ');
    expect(h.audit.last().outcome).toBe('error');
  });

  it('restricts a group chat to its bound projects', async () => {
    const h = coreHarness();
    const reply = await h.say('status billing', { user: '1002', chat: '-100500', chatType: 'group' });
    expect(reply.text).toContain('Unknown project "billing"');
  });

  it('answers a button it does not know with a clear refusal', async () => {
    const h = coreHarness();
    const reply = await h.core.handle({
      kind: 'action', platform: 'telegram', platformUserId: '1001', chatId: '1001', chatType: 'private',
      actionId: 'deploy.confirm', pendingId: 'abc', receivedAt: new Date(),
    });
    expect(reply.text).toContain('no longer valid');
    expect(h.audit.last()).toMatchObject({ outcome: 'invalid', args: 'deploy.confirm abc' });
  });
});

describe('help', () => {
  it('lists only what the asking person may run', async () => {
    const h = coreHarness();
    const viewer = await h.say('help', { user: '1002', chat: '-100500', chatType: 'group' });
    expect(viewer.text).toContain('status [project] [env]');
    expect(viewer.text).toContain('logs <service>');
    expect(viewer.text).not.toContain('env <service>');
    const admin = await h.say('help');
    expect(admin.text).toContain('env <service> [env]');
  });

  it('treats an empty command as help', async () => {
    const h = coreHarness();
    expect((await h.say('')).text).toContain('Deckhand commands');
  });
});

describe('hostile input: over-long and pathological commands', () => {
  it('answers a 10,000-character command with a short refusal instead of parsing it, and stays responsive', async () => {
    // Given a command far longer than anything Deckhand takes, with a secret near the start
    const h = coreHarness();
    const text = `logs api prod --grep password=hunter22 ${'x'.repeat(10_000)}`.slice(0, 10_000);

    // When it arrives
    const reply = await h.say(text);

    // Then it is refused in one short sentence, audited masked and clipped, and the next command works
    expect(reply.tone).toBe('error');
    expect(reply.text).toBe('That command is too long (10000 characters); commands are at most 2000 characters.');
    expect(h.audit.last()).toMatchObject({ outcome: 'invalid', intent: null, detail: 'command too long' });
    expect(h.audit.last().args).toMatch(/^logs api prod --grep password=\*{4} x+$/);
    expect(h.audit.last().args!.length).toBeLessThanOrEqual(500);
    expect((await h.say('help')).text).toContain('Deckhand commands');
  });

  it('accepts a command of exactly the limit and refuses one character more', async () => {
    const h = coreHarness();
    const at = `status ${'s'.repeat(2000 - 'status '.length)}`;
    expect((await h.say(at)).text).toContain('<project>: must be a name');
    expect((await h.say(`${at}s`)).text).toContain('That command is too long (2001 characters)');
  });

  it('answers pathological commands (dotted words, unbalanced quotes, flag storms) with a plain answer', async () => {
    // Inputs that make backtracking regexes slow: 5,000 dots outside the cap, and within it dotted words,
    // thousands of quotes and flags. Each must come back as an ordinary answer, and the core stays usable.
    const h = coreHarness();
    const dotted = `status ${'a.'.repeat(5000)}`;
    expect((await h.say(dotted)).text).toContain('That command is too long (10007 characters)');
    expect((await h.say(`logs api --grep ${'a.'.repeat(990)}`)).text).toContain('--grep: must be at most 200 characters.');
    expect((await h.say(`status "${"a'".repeat(995)}`)).text).toContain('Could not read the command: unclosed " quote.');
    expect((await h.say(`status ${'--x '.repeat(495)}`)).text).toContain('Unknown option --x.');
    expect((await h.say(`status ${'--x=--y='.repeat(240)}`)).text).toContain('Unknown option --x.');
    expect((await h.say('status shop')).text).toContain('shop status');
  });
});
