/** Deployment records: what ran, for whom, and how it ended. */

export type DeploymentStatus = 'running' | 'succeeded' | 'failed' | 'rolled_back';

export interface DeploymentStep {
  at: Date;
  text: string;
}

export interface Deployment {
  id: string;
  /** The pending action that started it (one deployment per action and service). */
  actionId: string;
  kind: 'deploy' | 'rollback' | 'restart';
  project: string;
  env: string;
  service: string;
  version: string;
  image: string;
  previousVersion: string | null;
  previousImage: string | null;
  requestedBy: string;
  approvedBy: string | null;
  startedAt: Date;
  finishedAt: Date | null;
  status: DeploymentStatus;
  steps: DeploymentStep[];
  /** Set when this came from outside Deckhand (CI webhook). */
  source: 'deckhand' | 'external';
}

export type NewDeployment = Omit<Deployment, 'id' | 'finishedAt' | 'status' | 'steps'>;

export interface DeploymentQuery {
  project?: string;
  env?: string;
  service?: string;
  limit: number;
}

/** Deployments of one project that finished in [from, to], newest finished first. */
export interface FinishedQuery {
  project: string;
  /** Only these environments; every environment of the project when absent. */
  envs?: readonly string[];
  /** Only these kinds; every kind when absent. */
  kinds?: readonly Deployment['kind'][];
  from: Date;
  to: Date;
  limit: number;
}

/** The last succeeded deploy or rollback of one service that started before `before` (restarts excluded). */
export interface SucceededBeforeQuery {
  project: string;
  env: string;
  service: string;
  /** Exclusive: a record started at exactly this time is not "before". */
  before: Date;
}

export interface DeploymentStore {
  /** Starts a record; (actionId, service) is unique, so a second start of the same action fails. */
  start(d: NewDeployment): Promise<Deployment>;
  step(id: string, text: string, at: Date): Promise<void>;
  finish(id: string, status: Exclude<DeploymentStatus, 'running'>, at: Date, text?: string): Promise<void>;
  recent(q: DeploymentQuery): Promise<Deployment[]>;
  /** Newest succeeded deploy of the service whose version differs from `notVersion` (the rollback target). */
  previousSucceeded(project: string, env: string, service: string, notVersion: string): Promise<Deployment | null>;
  /**
   * Newest succeeded deploy or rollback of the service started before `q.before`: the version a deploy made
   * at that time replaced, even when later deploys were recorded first (a late CI status).
   */
  lastSucceededBefore(q: SucceededBeforeQuery): Promise<Deployment | null>;
  running(): Promise<Deployment[]>;
  /** Finished deployments of a project in a time range (the deploy an incident is linked to). */
  finishedBetween(q: FinishedQuery): Promise<Deployment[]>;
}
