-- Scheduled actions: a pending action may carry the time it is to run (status 'scheduled' once approved).
ALTER TABLE "pending_action" ADD COLUMN "run_at" TIMESTAMPTZ(3);

CREATE INDEX "pending_action_run_at_idx" ON "pending_action"("run_at");
