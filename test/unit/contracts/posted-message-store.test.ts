import { postedMessageStoreContract } from '../../contracts/posted-message-store.contract.js';
import { MemoryPostedMessages } from '../../fakes/memory-posted-messages.js';

postedMessageStoreContract(async () => new MemoryPostedMessages());
