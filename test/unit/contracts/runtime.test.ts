import { runtimeContract } from '../../contracts/runtime.contract.js';
import { MemoryRuntime } from '../../fakes/memory-runtime.js';

runtimeContract(async () => {
  const runtime = new MemoryRuntime('memory');
  const images = { current: 'reg/web:1.0', currentVersion: '1.0', next: 'reg/web:2.0', nextVersion: '2.0', unhealthy: 'reg/web:bad', missing: 'reg/web:missing' };
  runtime.pullFailures.set(images.missing, 'manifest unknown');
  let seq = 0;
  return {
    runtime,
    images,
    health: { timeoutMs: 1_000, graceMs: 0 },
    loggedLine: 'ready',
    async service(count) {
      const app = `web-${++seq}`;
      const units = Array.from({ length: count }, (_, i) => `${app}-${i + 1}`);
      for (const name of units) {
        runtime.add({ name, image: images.current, labels: { app }, env: { CONTRACT: 'yes' }, logLines: [{ stream: 'stdout', text: 'ready' }] });
        runtime.unhealthy.add(`${name}@${images.unhealthy}`);
      }
      return { selector: { labels: { app } }, units };
    },
    async interrupt(unit) {
      await runtime.replace(unit, images.next);
    },
  };
});
