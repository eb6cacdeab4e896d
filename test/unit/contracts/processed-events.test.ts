import { processedEventsContract } from '../../contracts/processed-events.contract.js';
import { MemoryProcessedEvents } from '../../fakes/memory-processed-events.js';

processedEventsContract(async (clock) => new MemoryProcessedEvents(() => clock.now()));
