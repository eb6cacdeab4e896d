/** The Alertmanager group of project `shop`'s HighErrorRate alerts that the intake tests post. */
import type { AlertGroup, GroupAlert } from '../../src/core/domain/alert-group.js';

export const shopAlert = (fingerprint: string, startsAt: Date): GroupAlert => ({
  status: 'firing',
  labels: { alertname: 'HighErrorRate', project: 'shop', service: 'api' },
  annotations: { summary: 'api 5xx above 5%' },
  startsAt,
  endsAt: null,
  fingerprint,
});

export const shopGroup = (alerts: GroupAlert[]): AlertGroup => ({
  groupKey: '{}:{alertname="HighErrorRate", project="shop"}',
  status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
  receiver: 'deckhand',
  groupLabels: { alertname: 'HighErrorRate', project: 'shop' },
  commonLabels: { alertname: 'HighErrorRate', project: 'shop' },
  commonAnnotations: {},
  truncatedAlerts: 0,
  alerts,
});
