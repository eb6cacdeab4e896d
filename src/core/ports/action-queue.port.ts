/** Runs claimed actions as jobs. The job id is derived from the action id, so enqueuing twice runs it once. */
export interface ActionQueue {
  enqueue(actionId: string): Promise<void>;
}
