import { afterAll, beforeAll, beforeEach } from 'vitest';
import { PrismaBugDialogStore, PrismaBugReportStore } from '../../../src/adapters/prisma/bug-report.repository.js';
import { bugDialogStoreContract, bugReportStoreContract } from '../../contracts/bug-report-stores.contract.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('bug_report');
});
afterAll(async () => {
  await db?.drop();
});
beforeEach(async () => {
  await db.pool.query('TRUNCATE bug_dialog, bug_report RESTART IDENTITY');
});

bugDialogStoreContract(async () => new PrismaBugDialogStore(db.prisma));
bugReportStoreContract(async () => new PrismaBugReportStore(db.prisma));
