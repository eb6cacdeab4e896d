import type { Deployment } from '../ports/deployment.port.js';
import type { Logger } from '../ports/logger.port.js';
import type { PendingAction } from '../ports/pending-action.port.js';
import type { Reply } from '../messages/reply.js';
import type { ActionOutcome, ActionRunDeps } from './action-deps.js';
import { progressReply, resultReply } from './action-reply.js';

/**
 * The visible trace of a running action: every step is recorded on the deployment(s) it concerns and
 * the confirm message is edited in place. Chat and database hiccups are logged, never fatal: a deploy
 * half-way through must not stop because a message could not be edited.
 */
export class ActionProgress {
  readonly steps: string[] = [];
  readonly startedAt: Date;
  private readonly log: Logger;

  constructor(
    private readonly action: PendingAction,
    private readonly deps: ActionRunDeps,
    private readonly records: ReadonlyMap<string, Deployment>,
  ) {
    this.startedAt = deps.clock.now();
    this.log = deps.logger.child({ actionId: action.id });
  }

  elapsedMs(): number {
    return this.deps.clock.now().getTime() - this.startedAt.getTime();
  }

  /** Records a step on the service's deployment (every deployment when no service) and edits the message. */
  async step(text: string, service?: string): Promise<void> {
    this.steps.push(text);
    const at = this.deps.clock.now();
    const targets = service ? [this.records.get(service)].filter((d): d is Deployment => !!d) : [...this.records.values()];
    for (const d of targets) {
      await this.deps.deployments.step(d.id, text, at).catch((error: unknown) => this.log.warn({ err: error, deploymentId: d.id }, 'cannot record step'));
    }
    await this.edit(progressReply(this.action, this.steps, this.elapsedMs(), this.name));
  }

  /** The final result, as the confirm message shows it once the action ended. */
  result(outcome: ActionOutcome): Reply {
    return resultReply(this.action, outcome, this.steps, this.elapsedMs(), this.name);
  }

  private readonly name = (id: string): string => this.deps.personName?.(id) ?? id;

  private async edit(reply: Parameters<ActionRunDeps['notifier']['edit']>[1]): Promise<void> {
    if (!this.action.message) return;
    await this.deps.notifier.edit(this.action.message, reply).catch((error: unknown) => this.log.warn({ err: error }, 'cannot edit action message'));
  }
}
