-- CreateTable
CREATE TABLE "pending_action" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "project" TEXT NOT NULL,
    "env" TEXT NOT NULL,
    "plan" JSONB NOT NULL,
    "requested_by" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "chat_id" TEXT NOT NULL,
    "needs_approval" BOOLEAN NOT NULL,
    "status" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "claimed_by" TEXT,
    "claimed_at" TIMESTAMPTZ(3),
    "message" JSONB,
    "result" TEXT,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "pending_action_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "deployment" (
    "id" BIGSERIAL NOT NULL,
    "action_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "project" TEXT NOT NULL,
    "env" TEXT NOT NULL,
    "service" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "image" TEXT NOT NULL,
    "previous_version" TEXT,
    "previous_image" TEXT,
    "requested_by" TEXT NOT NULL,
    "approved_by" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),
    "status" TEXT NOT NULL,
    "steps" JSONB NOT NULL DEFAULT '[]',
    "source" TEXT NOT NULL,

    CONSTRAINT "deployment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "env_lock" (
    "project" TEXT NOT NULL,
    "env" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "since" TIMESTAMPTZ(3) NOT NULL,
    "lease_until" TIMESTAMPTZ(3),

    CONSTRAINT "env_lock_pkey" PRIMARY KEY ("project","env")
);

-- CreateTable
CREATE TABLE "freeze_window" (
    "id" TEXT NOT NULL,
    "project" TEXT NOT NULL,
    "env" TEXT,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,

    CONSTRAINT "freeze_window_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "pending_action_status_expires_at_idx" ON "pending_action"("status", "expires_at");

-- CreateIndex
CREATE INDEX "deployment_project_env_service_started_at_idx" ON "deployment"("project", "env", "service", "started_at");

-- CreateIndex
CREATE INDEX "deployment_started_at_idx" ON "deployment"("started_at");

-- CreateIndex
CREATE INDEX "deployment_status_idx" ON "deployment"("status");

-- CreateIndex
CREATE UNIQUE INDEX "deployment_action_id_service_key" ON "deployment"("action_id", "service");

-- CreateIndex
CREATE INDEX "freeze_window_project_ends_at_idx" ON "freeze_window"("project", "ends_at");

-- CreateIndex
CREATE INDEX "freeze_window_ends_at_idx" ON "freeze_window"("ends_at");
