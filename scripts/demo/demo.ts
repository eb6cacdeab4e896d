/**
 * `npm run demo`: a working Deckhand in one command. Creates the database if it does not exist, applies the
 * migrations, starts a small demo project on the local Docker-API engine (labelled busybox containers in
 * two environments, one of them production), writes a demo config and opens the shell as the demo admin.
 *
 *   npm run demo                 set up (or reuse) and open the shell
 *   npm run demo -- --clean      remove the demo containers, images, database and config
 *
 * Environment: DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/deckhand_demo), REDIS_URL,
 * DOCKER_HOST (default: the first engine socket that answers), DEMO_REGISTRY (host:port of a registry the
 * engine can push to and pull from, e.g. 127.0.0.1:5000; enables `deploy`), DEMO_BASE_IMAGE.
 *
 * Every failure a person can fix is one sentence naming what to start; nothing here prints a stack trace.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEMO, demoConfigYaml, demoContainers, type DemoImages } from './demo-project.js';
import { DemoError, connectEngine, ensureImages, ensureContainers, removeDemoContainers, removeDemoImages } from './demo-engine.js';
import { dropDatabase, ensureDatabase, migrate, pingRedis } from './demo-stores.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEMO_DIR = join(ROOT, '.demo');
const CONFIG_FILE = join(DEMO_DIR, 'deckhand.yaml');

const say = (line: string) => process.stderr.write(`demo: ${line}\n`);

function settings() {
  const registry = process.env['DEMO_REGISTRY']?.trim() || undefined;
  if (registry && !/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(registry)) {
    throw new DemoError(`DEMO_REGISTRY must be host:port of a registry (e.g. 127.0.0.1:5000), not "${registry}".`);
  }
  return {
    databaseUrl: process.env['DATABASE_URL']?.trim() || DEMO.databaseUrl,
    redisUrl: process.env['REDIS_URL']?.trim() || 'redis://127.0.0.1:6379',
    registry,
  };
}

async function clean(): Promise<void> {
  const s = settings();
  const engine = await connectEngine(process.env['DOCKER_HOST']).catch(() => undefined);
  if (engine) {
    const removed = await removeDemoContainers(engine.docker);
    await removeDemoImages(engine.docker, s.registry);
    say(`removed ${removed} demo container(s) on ${engine.url}`);
  } else {
    say('no Docker-API engine answered, so no containers were removed');
  }
  if (await dropDatabase(s.databaseUrl)) say('dropped the demo database');
  rmSync(DEMO_DIR, { recursive: true, force: true });
  say('removed .demo/');
}

async function setUp(): Promise<string> {
  const s = settings();
  const engine = await connectEngine(process.env['DOCKER_HOST']);
  await ensureDatabase(s.databaseUrl);
  await pingRedis(s.redisUrl);
  const applied = await migrate(s.databaseUrl);
  if (applied.length) say(`applied ${applied.length} migration(s)`);

  const images: DemoImages = await ensureImages(engine.docker, s.registry, say);
  const started = await ensureContainers(engine.docker, demoContainers(images.running), say);
  say(`${demoContainers(images.running).length} demo containers on ${engine.url} (${started} started now)`);

  mkdirSync(DEMO_DIR, { recursive: true });
  writeFileSync(CONFIG_FILE, demoConfigYaml({ engineUrl: engine.url, imageRepository: images.repository }));
  say(`config written to ${CONFIG_FILE}`);
  say(
    images.repository
      ? `deploy works: try "deploy api staging 1.1", then "deploy api staging broken" (it rolls back by itself)`
      : 'deploy is off: it pulls images from a registry, and DEMO_REGISTRY is not set (e.g. DEMO_REGISTRY=127.0.0.1:5000)',
  );
  say('try: status, logs api staging, env api prod, restart worker staging, lock demo staging "testing", oncall');
  return s.databaseUrl;
}

function openShell(databaseUrl: string): Promise<number> {
  const { redisUrl } = settings();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DECKHAND_CONFIG: CONFIG_FILE,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: DEMO.queuePrefix,
    DECKHAND_SHELL_PERSON: DEMO.admin,
  };
  // The shell needs no chat platform; tokens from a developer's environment must not start one.
  for (const key of ['TELEGRAM_BOT_TOKEN', 'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN']) delete env[key];
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/bot/main.ts'), '--shell'], { cwd: ROOT, env, stdio: 'inherit' });
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', () => resolve(1));
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { clean: { type: 'boolean', default: false } } });
  if (values.clean) {
    await clean();
    return 0;
  }
  const databaseUrl = await setUp();
  return openShell(databaseUrl);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    say(err instanceof DemoError ? err.message : `set-up failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
