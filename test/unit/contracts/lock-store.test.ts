import { lockStoreContract } from '../../contracts/lock-store.contract.js';
import { MemoryLockStore } from '../../fakes/memory-stores.js';

lockStoreContract(async (clock) => new MemoryLockStore(clock));
