import { describe, expect, it } from 'vitest';
import { actionIdOfJob, actionJobId, legacyActionJobId } from '../../../src/core/ports/action-queue.port.js';

describe('action job ids', () => {
  const claimedAt = new Date('2026-12-03T10:00:00.123Z');

  it('names one job per claim of an action', () => {
    expect(actionJobId('AbC123xyz456', claimedAt)).toBe(`action-AbC123xyz456.${claimedAt.getTime()}`);
    expect(actionJobId('AbC123xyz456', new Date(claimedAt.getTime() + 1))).not.toBe(actionJobId('AbC123xyz456', claimedAt));
  });

  it('gives the action id back from either form, a hyphen in the id included, and null for other jobs', () => {
    expect(actionIdOfJob(actionJobId('AbC123xyz456', claimedAt))).toBe('AbC123xyz456');
    expect(actionIdOfJob(actionJobId('pa-1', claimedAt))).toBe('pa-1');
    expect(actionIdOfJob(legacyActionJobId('AbC123xyz456'))).toBe('AbC123xyz456');
    expect(actionIdOfJob(legacyActionJobId('pa-1'))).toBe('pa-1');
    expect(actionIdOfJob('scheduled-AbC123xyz456')).toBeNull();
    expect(actionIdOfJob('action-')).toBeNull();
    expect(actionIdOfJob(undefined)).toBeNull();
  });
});
