import { handoffLogContract, oncallOverrideStoreContract } from '../../contracts/oncall-store.contract.js';
import { MemoryHandoffLog, MemoryOncallOverrideStore } from '../../fakes/memory-oncall.js';

oncallOverrideStoreContract(async () => new MemoryOncallOverrideStore());
handoffLogContract(async () => new MemoryHandoffLog());
