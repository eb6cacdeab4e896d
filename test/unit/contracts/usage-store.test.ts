import { usageStoreContract } from '../../contracts/usage-store.contract.js';
import { MemoryUsageStore } from '../../fakes/memory-usage.js';

usageStoreContract(async () => new MemoryUsageStore());
