import { afterAll, beforeAll } from 'vitest';
import { PrismaIncidentStore } from '../../../src/adapters/prisma/incident.repository.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { incidentStoreContract } from '../../contracts/incident-store.contract.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('incident');
});
afterAll(() => db?.drop());

incidentStoreContract(async () => {
  await db.pool.query('TRUNCATE incident');
  return new PrismaIncidentStore(db.prisma);
});
