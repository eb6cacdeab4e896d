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
