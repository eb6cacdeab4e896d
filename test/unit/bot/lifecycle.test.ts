import { describe, expect, it } from 'vitest';
import { lifecycle, type Module } from '../../../src/bot/wire/module.js';
import { silentLogger, type Logger } from '../../../src/core/ports/logger.port.js';

/** A module whose start takes `startMs`, recording when each phase began and ended. */
function recorded(name: string, events: string[], startMs = 0, fail?: 'stop'): Module {
  return {
    name,
    async start() {
      events.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, startMs));
      events.push(`started ${name}`);
    },
    drain: async () => void events.push(`drain ${name}`),
    async stop() {
      events.push(`stop ${name}`);
      if (fail === 'stop') throw new Error(`${name} would not stop`);
    },
    close: async () => void events.push(`close ${name}`),
  };
}

describe('the app lifecycle', () => {
  it('starts stages in order and the modules of one stage together', async () => {
    const events: string[] = [];
    const app = lifecycle([recorded('infra', events), [recorded('slow', events, 30), recorded('quick', events, 5)], recorded('chats', events)], silentLogger);
    await app.start();
    expect(events).toEqual(['start infra', 'started infra', 'start slow', 'start quick', 'started quick', 'started slow', 'start chats', 'started chats']);
  });

  it('stops every module in reverse, drain then stop then close, a module failing to stop logged and passed over', async () => {
    const events: string[] = [];
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (_fields: unknown, message?: string) => void warnings.push(String(message)), child: () => logger };
    const app = lifecycle([recorded('infra', events), [recorded('a', events), recorded('b', events, 0, 'stop')], recorded('chats', events)], logger);
    await app.start();
    events.length = 0;
    await app.stop();
    expect(events).toEqual(['drain chats', 'drain b', 'drain a', 'drain infra', 'stop chats', 'stop b', 'stop a', 'stop infra', 'close chats', 'close b', 'close a', 'close infra']);
    expect(warnings).toEqual(['module b failed to stop']);
  });

  it('fails its start when a module of a stage fails, and starts no later stage', async () => {
    const events: string[] = [];
    const broken: Module = { name: 'broken', start: async () => Promise.reject(new Error('no database')) };
    const app = lifecycle([[recorded('a', events), broken], recorded('chats', events)], silentLogger);
    await expect(app.start()).rejects.toThrow('no database');
    expect(events).not.toContain('start chats');
  });
});
