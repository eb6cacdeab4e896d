import { auditLogContract } from '../../contracts/audit-log.contract.js';
import { MemoryAuditLog } from '../../fakes/memory-audit.js';

auditLogContract(async () => new MemoryAuditLog());
