import { describe, expect, it } from 'vitest';
import { actionPlanSchema } from '../../../src/adapters/prisma/pending-action.schema.js';

const service = { service: 'api', host: 'docker-1', currentImage: 'reg/api:1', currentVersion: '1', targetImage: 'reg/api:2', targetVersion: '2' };

describe('stored action plans', () => {
  it('reads a plan with its pinned revision as it was stored', () => {
    const plan = { kind: 'deploy', project: 'shop', env: 'prod', force: false, services: [{ ...service, revision: ['sha256:a', 'sha256:a'], units: ['api-1', 'api-2'] }] };
    expect(actionPlanSchema.parse(plan)).toEqual(plan);
  });

  it('reads a plan stored before revisions (container ids) as unpinned, with the container names as units', () => {
    const old = { kind: 'restart', project: 'shop', env: 'prod', force: false, services: [{ ...service, containers: [{ id: 'c0ffee', name: 'api-1' }, { id: 'beef', name: 'api-2' }] }] };
    expect(actionPlanSchema.parse(old).services).toEqual([{ ...service, revision: null, units: ['api-1', 'api-2'] }]);
  });

  it('still refuses a plan that is neither', () => {
    expect(() => actionPlanSchema.parse({ kind: 'deploy', project: 'shop', env: 'prod', force: false, services: [service] })).toThrow();
  });
});
