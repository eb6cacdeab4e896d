import { actionQueueContract } from '../../contracts/action-queue.contract.js';
import { MemoryActionQueue } from '../../fakes/memory-stores.js';

actionQueueContract(async () => {
  const queue = new MemoryActionQueue();
  return { queue, drain: () => queue.drain() };
});
