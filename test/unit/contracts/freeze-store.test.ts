import { freezeStoreContract } from '../../contracts/freeze-store.contract.js';
import { MemoryFreezeStore } from '../../fakes/memory-stores.js';

freezeStoreContract(async () => new MemoryFreezeStore());
