import { describe, expect, it } from 'vitest';
import { actionPlanSchema } from '../../../src/adapters/prisma/pending-action.schema.js';

const service = {
  service: 'api',
  host: 'docker-1',
  currentImage: 'reg/shop/api:1.4.0',
  currentVersion: '1.4.0',
  targetImage: 'reg/shop/api:1.5.0',
  targetVersion: '1.5.0',
  revision: ['sha256:1'],
  units: ['api-1'],
};
const plan = (changes: unknown) => ({ kind: 'deploy', project: 'shop', env: 'prod', force: false, services: [{ ...service, changes }] });

describe('stored plans keep what a deploy changes', () => {
  it('keeps known changes and reasons as they were stored', () => {
    const known = {
      known: true, repo: 'acme/shop-api', base: 'a'.repeat(40), head: 'b'.repeat(40), relation: 'diverged', aheadBy: 1, behindBy: 2,
      commits: [{ sha: 'c'.repeat(40), title: 'fix: a thing', author: 'alice-dev' }], url: 'https://github.com/acme/shop-api/compare/a...b',
    };
    expect(actionPlanSchema.parse(plan(known)).services[0]).toEqual({ ...service, changes: known });
    expect(actionPlanSchema.parse(plan({ known: false, reason: 'GITHUB_TOKEN is not set' })).services[0]).toEqual({ ...service, changes: { known: false, reason: 'GITHUB_TOKEN is not set' } });
  });

  it('reads plans stored without changes, and refuses malformed ones', () => {
    expect(actionPlanSchema.parse({ ...plan(undefined), services: [service] }).services[0]).toEqual(service);
    expect(actionPlanSchema.safeParse(plan({ known: true, relation: 'sideways' })).success).toBe(false);
  });
});
