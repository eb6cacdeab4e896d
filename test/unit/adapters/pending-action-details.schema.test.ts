import { describe, expect, it } from 'vitest';
import { actionPlanSchema } from '../../../src/adapters/prisma/pending-action.schema.js';

const service = {
  service: 'api',
  host: 'eu-cluster',
  currentImage: 'reg/shop/api:1.4.0',
  currentVersion: '1.4.0',
  targetImage: 'reg/shop/api:1.5.0',
  targetVersion: '1.5.0',
  revision: ['reg/shop/api:1.4.0'],
  units: ['deployment/shop/api'],
};
const plan = (s: Record<string, unknown>) => ({ kind: 'deploy', project: 'shop', env: 'prod', force: false, services: [s] });

describe('stored plans keep what the runtime said of the units', () => {
  it('keeps the detail lines shown before Confirm, and reads plans stored without them', () => {
    const details = ['namespace shop · cluster eu-cluster', '3 replicas (3 ready) · RollingUpdate maxSurge 1 maxUnavailable 0'];
    expect(actionPlanSchema.parse(plan({ ...service, details })).services[0]).toEqual({ ...service, details });
    expect(actionPlanSchema.parse(plan(service)).services[0]).toEqual(service);
  });

  it('refuses detail lines that are not short strings', () => {
    expect(actionPlanSchema.safeParse(plan({ ...service, details: [42] })).success).toBe(false);
    expect(actionPlanSchema.safeParse(plan({ ...service, details: ['x'.repeat(301)] })).success).toBe(false);
  });
});
