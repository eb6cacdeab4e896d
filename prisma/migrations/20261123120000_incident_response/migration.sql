-- AlterTable
ALTER TABLE "incident" ADD COLUMN     "acknowledged_at" TIMESTAMPTZ(3),
ADD COLUMN     "acknowledged_by" TEXT,
ADD COLUMN     "deployment_id" BIGINT,
ADD COLUMN     "escalation_level" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "silence_id" TEXT,
ADD COLUMN     "silenced_until" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "posted_message" (
    "key" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "chat_id" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "posted_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "posted_message_pkey" PRIMARY KEY ("key","platform","chat_id")
);

-- CreateTable
CREATE TABLE "oncall_override" (
    "id" TEXT NOT NULL,
    "project" TEXT NOT NULL,
    "person_id" TEXT NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "cancelled_at" TIMESTAMPTZ(3),

    CONSTRAINT "oncall_override_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "handoff_announcement" (
    "rotation" TEXT NOT NULL,
    "handoff_at" TIMESTAMPTZ(3) NOT NULL,
    "announced_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "handoff_announcement_pkey" PRIMARY KEY ("rotation","handoff_at")
);

-- CreateIndex
CREATE INDEX "posted_message_posted_at_idx" ON "posted_message"("posted_at");

-- CreateIndex
CREATE INDEX "oncall_override_project_ends_at_idx" ON "oncall_override"("project", "ends_at");

-- Incidents already open when escalation arrives are not paged retroactively (they predate the feature).
UPDATE "incident" SET "escalation_level" = 2 WHERE "status" = 'open';
