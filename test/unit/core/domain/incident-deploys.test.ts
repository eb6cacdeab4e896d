import { describe, expect, it } from 'vitest';
import { alertEnvs, incidentInEnvs } from '../../../../src/core/domain/incident-deploys.js';
import type { IncidentAlert } from '../../../../src/core/ports/incident.port.js';

const alert = (status: IncidentAlert['status'], env?: string): IncidentAlert => ({
  fingerprint: `${status}-${env ?? 'none'}`,
  name: 'HighErrorRate',
  status,
  summary: '',
  startsAt: new Date('2026-11-23T12:00:00Z'),
  endsAt: null,
  labels: { alertname: 'HighErrorRate', ...(env ? { env } : {}) },
});

describe('alertEnvs', () => {
  it('names the environments of the firing alerts, or none when a firing alert has no env label', () => {
    expect(alertEnvs([alert('firing', 'prod'), alert('firing', 'prod'), alert('resolved', 'staging')], 'env')).toEqual(['prod']);
    expect(alertEnvs([alert('firing', 'prod'), alert('firing', 'eu')], 'env')).toEqual(['prod', 'eu']);
    expect(alertEnvs([alert('firing', 'prod'), alert('firing')], 'env')).toBeUndefined();
    expect(alertEnvs([alert('firing', 'prod')], 'environment')).toBeUndefined();
    expect(alertEnvs([], 'env')).toBeUndefined();
  });
});

describe('incidentInEnvs', () => {
  it('keeps incidents naming one of the environments, and those naming none', () => {
    expect(incidentInEnvs({ alerts: [alert('firing', 'prod')] }, ['prod'], 'env')).toBe(true);
    expect(incidentInEnvs({ alerts: [alert('firing', 'staging')] }, ['prod'], 'env')).toBe(false);
    expect(incidentInEnvs({ alerts: [alert('resolved', 'staging'), alert('firing', 'prod')] }, ['staging'], 'env')).toBe(true);
    expect(incidentInEnvs({ alerts: [alert('firing')] }, ['prod'], 'env')).toBe(true);
    expect(incidentInEnvs({ alerts: [] }, [], 'env')).toBe(true);
  });
});
