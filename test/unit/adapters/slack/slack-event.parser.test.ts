import { describe, expect, it } from 'vitest';
import { createMemoryDedupe } from '../../../../src/adapters/memory-dedupe.js';
import { chatTypeOf, commandEventFromSlash, commandText, mentionsOf, stripMention } from '../../../../src/adapters/slack/slack-event.parser.js';

describe('slack event parsing', () => {
  it('strips the bot mention in both forms and leaves other mentions', () => {
    expect(commandText(stripMention('<@UBOT> restart web <@U999>', 'UBOT'))).toBe('restart web <@U999>');
    expect(commandText(stripMention('<@UBOT|deckhand>   status', 'UBOT'))).toBe('status');
    expect(commandText(stripMention('<@UOTHER> status'))).toBe('status');
    expect(commandText(stripMention('<@UBOT>', 'UBOT'))).toBe('help');
  });

  it('lists the user mentions of a command with the Slack user id each names', () => {
    expect(mentionsOf('oncall override <@U0ED|ed> until 10:00')).toEqual({ '<@U0ED|ed>': 'U0ED' });
    expect(mentionsOf('oncall override <@W0BOB> 90m <@U0ED>')).toEqual({ '<@W0BOB>': 'W0BOB', '<@U0ED>': 'U0ED' });
    expect(mentionsOf('oncall override bob until 10:00')).toBeUndefined();
    expect(mentionsOf('oncall override <#C0SHOP> <@lowercase>')).toBeUndefined();
    const slash = { command: '/deckhand', text: 'oncall override <@U0BOB> until 10:00', user_id: 'U0DAVE', channel_id: 'C0SHOP' };
    expect(commandEventFromSlash(slash as Parameters<typeof commandEventFromSlash>[0], new Date(0)).mentions).toEqual({ '<@U0BOB>': 'U0BOB' });
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
