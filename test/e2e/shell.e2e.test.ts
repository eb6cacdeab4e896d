/**
 * The built bot in shell mode (`node dist/app/main.js --shell`), driven through stdin/stdout as a
 * person would, against real containers on Podman and a private PostgreSQL schema.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmptySchema } from '../support/db.js';
import { type BotProcess, requireBuiltBot, spawnBot, within, writeTempConfig } from '../support/e2e-bot.js';
import { createE2eWorld, type E2eWorld, PLANTED_SECRET } from '../support/e2e-fixture.js';

let world: E2eWorld;
let config: { file: string; remove(): Promise<void> };
const bots: BotProcess[] = [];

beforeAll(async () => {
  requireBuiltBot();
  world = await createE2eWorld('shell-e2e');
  config = await writeTempConfig(world.configYaml());
});

afterAll(async () => {
  for (const bot of bots) bot.kill();
  await config?.remove();
  await world?.cleanup();
});

function shell(env: Record<string, string>): BotProcess {
  const bot = spawnBot(['--shell'], { LOG_LEVEL: 'warn', ...env });
  bots.push(bot);
  return bot;
}

/** Types one line and returns what the bot printed in answer (up to and including `until`). */
async function type(bot: BotProcess, line: string, until: string): Promise<string> {
  const before = bot.stdout().length;
  bot.child.stdin!.write(`${line}\n`);
  const deadline = Date.now() + 15_000;
  while (!bot.stdout().slice(before).includes(until)) {
    if (Date.now() > deadline) throw new Error(`no ${JSON.stringify(until)} after ${JSON.stringify(line)}; got:\n${bot.stdout().slice(before)}\nstderr:\n${bot.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  // Each reply ends with a blank line; wait for it so the next answer starts clean.
  while (!bot.stdout().endsWith('\n\n')) await new Promise((r) => setTimeout(r, 10));
  return bot.stdout().slice(before);
}

describe('deckhand --shell (built)', () => {
  it('answers help, status, logs, env and a typo, audits each, and exits on `exit`', async () => {
    // Given the bot in shell mode as alice (admin of shop)
    const bot = shell({ DECKHAND_CONFIG: config.file, DATABASE_URL: world.db.url });

    // When a person types commands one at a time
    const help = await type(bot, 'help', 'Projects here: shop');
    const status = await type(bot, 'status', 'worker');
    const logs = await type(bot, 'logs api --lines 5', 'secrets masked');
    const env = await type(bot, 'env api', 'masked');
    const typo = await type(bot, 'stauts', 'Did you mean');
    bot.child.stdin!.write('exit\n');
    const exit = await within(bot.exited, 10_000, 'shell exit after `exit`');

    // Then each answer is what a person needs
    expect(help).toMatch(/^status \[project\] \[env\]/m);
    expect(help).toMatch(/^logs <service>/m);
    expect(status).toMatch(/3 running · 1 need attention/);
    expect(status).toMatch(new RegExp(`^web \\(web-1-${world.tag}\\)\\s+running`, 'm'));
    expect(status).toMatch(new RegExp(`^web \\(web-2-${world.tag}\\)\\s+running`, 'm'));
    expect(status).toMatch(/^api\s+running/m);
    expect(status).toMatch(/^worker\s+missing/m);
    expect(logs).toContain('boot 1');
    expect(logs).toContain('connecting with password=****');
    expect(logs).toContain('ready on :8080');
    expect(env).toMatch(/^\s+API_TOKEN=\*{4}$/m);
    expect(env).toMatch(/^\s+GREETING=hello-e2e$/m);
    expect(typo).toContain('Unknown command "stauts"');
    expect(typo).toContain('Did you mean status?');
    // …and the planted secret never reaches the screen, nor a stack trace
    expect(bot.stdout()).not.toContain(PLANTED_SECRET);
    expect(bot.stdout() + bot.stderr()).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(exit).toEqual({ code: 0, signal: null });

    // And every request is in the audit log of the bot's schema, with its outcome
    const { rows } = await world.db.pool.query<{ platform: string; person_id: string; intent: string | null; args: string; outcome: string }>(
      'SELECT platform, person_id, intent, args, outcome FROM audit_log ORDER BY id',
    );
    expect(rows).toEqual([
      { platform: 'shell', person_id: 'alice', intent: 'help', args: 'help', outcome: 'ok' },
      { platform: 'shell', person_id: 'alice', intent: 'status', args: 'status', outcome: 'ok' },
      { platform: 'shell', person_id: 'alice', intent: 'logs', args: 'logs api --lines 5', outcome: 'ok' },
      { platform: 'shell', person_id: 'alice', intent: 'env', args: 'env api', outcome: 'ok' },
      { platform: 'shell', person_id: 'alice', intent: null, args: 'stauts', outcome: 'invalid' },
    ]);
    expect(JSON.stringify(rows)).not.toContain(PLANTED_SECRET);
  });

  it('logs --lines 2 shows only the last 2 lines; EOF ends the shell with 0', async () => {
    const bot = shell({ DECKHAND_CONFIG: config.file, DATABASE_URL: world.db.url });
    const logs = await type(bot, 'logs api --lines 2', 'secrets masked');
    bot.child.stdin!.end();
    expect(await within(bot.exited, 10_000, 'shell exit on EOF')).toEqual({ code: 0, signal: null });
    expect(logs).toContain('boot 3');
    expect(logs).toContain('ready on :8080');
    expect(logs).not.toContain('boot 1');
  });
});

describe('start-up refusals (built)', () => {
  it('an invalid config: exit 1, stderr names the line and the path, no stack', async () => {
    const yaml = world.configYaml().replace('api: { host: local, labels:', 'api: { host: local, labelz:');
    const badLine = yaml.split('\n').findIndex((l) => l.includes('labelz')) + 1;
    expect(badLine).toBeGreaterThan(0);
    const bad = await writeTempConfig(yaml);
    try {
      const bot = shell({ DECKHAND_CONFIG: bad.file, DATABASE_URL: world.db.url });
      bot.child.stdin!.end();
      const exit = await within(bot.exited, 15_000, 'exit on an invalid config');
      expect(exit.code).toBe(1);
      expect(bot.stderr()).toContain(`Invalid config ${bad.file}`);
      expect(bot.stderr()).toContain(`line ${badLine}: projects.shop.environments.prod.services.api: unknown key(s) labelz`);
      expect(bot.stderr()).not.toMatch(/\n\s+at /);
      expect(bot.stdout()).toBe('');
    } finally {
      await bad.remove();
    }
  });

  it('a database schema without migrations: exit 1, stderr says to run npm run db:migrate', async () => {
    const empty = await createEmptySchema('shell-e2e-empty');
    try {
      const bot = shell({ DECKHAND_CONFIG: config.file, DATABASE_URL: empty.url });
      bot.child.stdin!.end();
      const exit = await within(bot.exited, 15_000, 'exit on an unmigrated database');
      expect(exit.code).toBe(1);
      expect(bot.stderr()).toContain('npm run db:migrate');
      expect(bot.stderr()).toMatch(/missing \d+ migration/);
      expect(bot.stderr()).not.toMatch(/\n\s+at /);
    } finally {
      await empty.drop();
    }
  });
});
