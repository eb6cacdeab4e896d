import { bugDialogStoreContract, bugReportStoreContract } from '../../contracts/bug-report-stores.contract.js';
import { MemoryBugDialogStore, MemoryBugReportStore } from '../../fakes/memory-bugs.js';

bugDialogStoreContract(async () => new MemoryBugDialogStore());
bugReportStoreContract(async () => new MemoryBugReportStore());
