import { deploymentStoreContract } from '../../contracts/deployment-store.contract.js';
import { MemoryDeploymentStore } from '../../fakes/memory-stores.js';

deploymentStoreContract(async () => new MemoryDeploymentStore());
