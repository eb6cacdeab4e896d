/**
 * Acknowledge and Silence on PostgreSQL through PrismaUnitOfWork: a unit that fails before its commit leaves
 * neither the incident's change nor the republished alert message (no outbox row), the silence is taken back
 * from Alertmanager; a committed click leaves both, the message as one outbox row under the incident's key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaIncidentStore } from '../../../src/adapters/prisma/incident.repository.js';
import { PrismaUnitOfWork } from '../../../src/adapters/prisma/unit-of-work.js';
import type { Person } from '../../../src/core/domain/catalog.js';
import { acknowledgeIncident, silenceIncident, type IncidentResponseDeps } from '../../../src/core/incidents/incident-response.js';
import type { Incident } from '../../../src/core/ports/incident.port.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import type { UnitOfWork } from '../../../src/core/ports/unit-of-work.port.js';
import { RecordingSilencer } from '../../fakes/memory-silencer.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { crashingUnit, outboxUnit } from '../../support/prisma-unit.js';

let db: TestDatabase;
let store: PrismaIncidentStore;
let unit: PrismaUnitOfWork;

beforeAll(async () => {
  db = await createTestDatabase('incident_response_unit');
  store = new PrismaIncidentStore(db.prisma);
  unit = outboxUnit(db.prisma);
});
afterAll(async () => {
  await db?.drop();
});

const DAVE = { id: 'dave', name: 'Dave' } as Person;
const T0 = new Date('2026-12-02T12:00:00Z');


const deps = (u: UnitOfWork, silencer?: RecordingSilencer): IncidentResponseDeps => ({
  store,
  unit: u,
  ...(silencer ? { silencer } : {}),
  settings: { projectLabel: 'project', serviceLabel: 'service', envLabel: 'env', silenceMs: 3_600_000, escalateAfterMs: 600_000, linkDeployWithinMs: 1_800_000 },
  catalog: { projects: [], people: [] },
  clock: { now: () => T0 },
  logger: silentLogger,
});

async function opened(): Promise<Incident> {
  await db.pool.query('TRUNCATE incident, outbox_message, outbox_lane CASCADE');
  const labels = { alertname: 'HighErrorRate', project: 'shop', service: 'api' };
  return store.open({
    project: 'shop',
    groupKey: 'g1',
    title: 'HighErrorRate',
    openedAt: T0,
    alerts: [{ fingerprint: 'f1', name: 'HighErrorRate', status: 'firing', summary: 'api 5xx', startsAt: T0, endsAt: null, labels }],
    timeline: [{ at: T0, kind: 'opened', text: 'opened', by: null }],
  });
}

const outboxRows = async () => (await db.pool.query<{ kind: string; target: string }>('SELECT kind, target FROM outbox_message')).rows;

describe('incident responses through the unit of work (PostgreSQL)', () => {
  it('acknowledges with the republished message together, or neither', async () => {
    const incident = await opened();
    const failed = await acknowledgeIncident(deps(crashingUnit(unit)), incident, DAVE);
    expect(failed).toMatchObject({ outcome: 'error', detail: 'acknowledgement not recorded' });
    expect(await store.get(incident.id)).toMatchObject({ acknowledgedBy: null });
    expect(await outboxRows()).toEqual([]);

    expect(await acknowledgeIncident(deps(unit), incident, DAVE)).toMatchObject({ outcome: 'ok' });
    expect(await store.get(incident.id)).toMatchObject({ acknowledgedBy: 'dave' });
    expect(await outboxRows()).toEqual([{ kind: 'publish', target: `incident:${incident.id}` }]);
  });

  it('records a silence with the republished message together, or neither and takes the silence back', async () => {
    const incident = await opened();
    const silencer = new RecordingSilencer();
    expect(await silenceIncident(deps(crashingUnit(unit), silencer), incident, DAVE)).toMatchObject({ outcome: 'error', detail: 'silence not recorded' });
    expect(silencer.expired).toEqual(['sil-1']);
    expect(await store.get(incident.id)).toMatchObject({ silenceId: null, silencedUntil: null });
    expect(await outboxRows()).toEqual([]);

    expect(await silenceIncident(deps(unit, silencer), incident, DAVE)).toMatchObject({ outcome: 'ok', detail: 'silence sil-2' });
    expect(silencer.expired).toEqual(['sil-1']);
    expect(await store.get(incident.id)).toMatchObject({ silenceId: 'sil-2' });
    expect(await outboxRows()).toEqual([{ kind: 'publish', target: `incident:${incident.id}` }]);
  });
});
