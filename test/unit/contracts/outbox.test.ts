import { outboxContract } from '../../contracts/outbox.contract.js';
import { MemoryOutbox } from '../../fakes/memory-outbox.js';

outboxContract(async () => new MemoryOutbox());
