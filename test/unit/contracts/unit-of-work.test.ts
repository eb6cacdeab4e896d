import { shopQueue, unitOfWorkContract, waitingTexts } from '../../contracts/unit-of-work.contract.js';
import { MemoryIncidentStore } from '../../fakes/memory-incidents.js';
import { MemoryHandoffLog } from '../../fakes/memory-oncall.js';
import { MemoryOutbox } from '../../fakes/memory-outbox.js';
import { MemoryPendingActionStore } from '../../fakes/memory-stores.js';
import { MemoryUnitOfWork } from '../../fakes/memory-unit-of-work.js';

unitOfWorkContract(async () => {
  const outbox = new MemoryOutbox();
  const stores = { incidents: new MemoryIncidentStore(), pendingActions: new MemoryPendingActionStore(), handoffs: new MemoryHandoffLog() };
  const notifier = shopQueue(outbox, '-1001').within(outbox, (done) => done());
  return { ...stores, unit: new MemoryUnitOfWork({ ...stores, notifier }, [outbox]), pushed: waitingTexts(outbox, '-1001') };
});
