-- CreateTable
CREATE TABLE "incident" (
    "id" TEXT NOT NULL,
    "project" TEXT NOT NULL,
    "group_key" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "opened_at" TIMESTAMPTZ(3) NOT NULL,
    "resolved_at" TIMESTAMPTZ(3),
    "alerts" JSONB NOT NULL DEFAULT '[]',
    "timeline" JSONB NOT NULL DEFAULT '[]',

    CONSTRAINT "incident_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "incident_project_group_key_status_idx" ON "incident"("project", "group_key", "status");

-- CreateIndex
CREATE INDEX "incident_project_status_opened_at_idx" ON "incident"("project", "status", "opened_at");
