import { incidentStoreContract } from '../../contracts/incident-store.contract.js';
import { MemoryIncidentStore } from '../../fakes/memory-incidents.js';

incidentStoreContract(async () => new MemoryIncidentStore());
