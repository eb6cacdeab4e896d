import { describe, expect, it } from 'vitest';
import { createMemoryDedupe } from '../../../../src/adapters/memory-dedupe.js';
import { chatTypeOf, commandText, stripMention } from '../../../../src/adapters/slack/slack-event.parser.js';

describe('slack event parsing', () => {
  it('strips the bot mention in both forms and leaves other mentions', () => {
    expect(commandText(stripMention('<@UBOT> restart web <@U999>', 'UBOT'))).toBe('restart web <@U999>');
    expect(commandText(stripMention('<@UBOT|deckhand>   status', 'UBOT'))).toBe('status');
    expect(commandText(stripMention('<@UOTHER> status'))).toBe('status');
    expect(commandText(stripMention('<@UBOT>', 'UBOT'))).toBe('help');
  });

  it('unescapes typed text and collapses whitespace', () => {
    expect(commandText('logs  web &lt;prod&gt; &amp;&amp;')).toBe('logs web <prod> &&');
  });

  it('classifies DMs as private chats', () => {
    expect(chatTypeOf('D024BE91L')).toBe('private');
    expect(chatTypeOf('C024BE91L', 'directmessage')).toBe('private');
    expect(chatTypeOf('C024BE91L', 'ops')).toBe('group');
    expect(chatTypeOf('G024BE91L', 'privategroup')).toBe('group');
  });
});

describe('memory dedupe', () => {
  it('reports repeats and forgets the least recently seen id past capacity', () => {
    const firstSeen = createMemoryDedupe(2);
    expect([firstSeen('a'), firstSeen('b'), firstSeen('a')]).toEqual([true, true, false]);
    expect(firstSeen('c')).toBe(true); // evicts b (a was seen more recently)
    expect([firstSeen('a'), firstSeen('b')]).toEqual([false, true]);
  });
});
