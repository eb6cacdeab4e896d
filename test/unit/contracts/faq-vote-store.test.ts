import { faqVoteStoreContract } from '../../contracts/faq-vote-store.contract.js';
import { MemoryFaqVoteStore } from '../../fakes/memory-faq-votes.js';

faqVoteStoreContract(async () => new MemoryFaqVoteStore());
