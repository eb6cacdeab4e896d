import { pendingActionStoreContract } from '../../contracts/pending-action-store.contract.js';
import { MemoryPendingActionStore } from '../../fakes/memory-stores.js';

pendingActionStoreContract(async () => new MemoryPendingActionStore());
