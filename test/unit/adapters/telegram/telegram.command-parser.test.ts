import { describe, expect, it } from 'vitest';
import { decodeCallbackData, encodeCallbackData } from '../../../../src/adapters/telegram/telegram.callback-data.js';
import { parseCommand, toBotCommands } from '../../../../src/adapters/telegram/telegram.command-parser.js';

describe('parseCommand', () => {
  it.each([
    ['/status shop prod', 'status shop prod'],
    ['/Status@Deckhand_Bot  shop', 'status shop'],
    ['/start', 'help'],
    ['/start@deckhand_bot', 'help'],
    ['/logs api --lines 50', 'logs api --lines 50'],
  ])('%s → %s', (text, expected) => {
    expect(parseCommand(text, 'deckhand_bot')).toBe(expected);
  });

  it.each(['/status@otherbot shop', 'status', 'hello /status', '/', '/sta-tus', ''])('ignores %j', (text) => {
    expect(parseCommand(text, 'deckhand_bot')).toBeUndefined();
  });
});

describe('callback data', () => {
  it('round-trips actionId:pendingId and rejects foreign data', () => {
    expect(decodeCallbackData(encodeCallbackData({ actionId: 'deploy.confirm', pendingId: 'p-1_x' }))).toEqual({
      actionId: 'deploy.confirm',
      pendingId: 'p-1_x',
    });
    for (const bad of [undefined, '', 'nocolon', 'a:b:c', 'a:<b>', `a:${'x'.repeat(63)}`]) {
      expect(decodeCallbackData(bad)).toBeUndefined();
    }
    expect(() => encodeCallbackData({ actionId: 'a:b', pendingId: 'c' })).toThrow(/invalid/);
  });
});

describe('toBotCommands', () => {
  it('keeps names Telegram accepts and bounds descriptions', () => {
    expect(
      toBotCommands([
        { name: 'status', summary: 'Show services' },
        { name: 'roll-back', summary: 'dash is not allowed' },
        { name: 'logs', summary: 'x'.repeat(300) },
      ]),
    ).toEqual([
      { command: 'status', description: 'Show services' },
      { command: 'logs', description: 'x'.repeat(256) },
    ]);
  });
});
