-- Bug reports made in chat (`bug`, `bugs`): the open dialogs (one per person) and the reports with the
-- GitHub issue each was filed as.

-- CreateTable
CREATE TABLE "bug_dialog" (
    "id" TEXT NOT NULL,
    "person_id" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "chat_id" TEXT NOT NULL,
    "project" TEXT NOT NULL,
    "step" TEXT NOT NULL,
    "answers" JSONB NOT NULL,
    "version" INTEGER NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "bug_dialog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bug_report" (
    "id" SERIAL NOT NULL,
    "project" TEXT NOT NULL,
    "reporter_id" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "chat_id" TEXT,
    "title" TEXT NOT NULL,
    "doing" TEXT NOT NULL,
    "expected" TEXT NOT NULL,
    "happened" TEXT NOT NULL,
    "priority" TEXT,
    "screenshot" JSONB,
    "status" TEXT NOT NULL DEFAULT 'open',
    "github_repo" TEXT,
    "github_number" INTEGER,
    "github_url" TEXT,
    "issue_updated_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "bug_report_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "bug_dialog_person_id_key" ON "bug_dialog"("person_id");

-- CreateIndex
CREATE INDEX "bug_dialog_expires_at_idx" ON "bug_dialog"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "bug_report_github_repo_github_number_key" ON "bug_report"("github_repo", "github_number");

-- CreateIndex
CREATE INDEX "bug_report_project_status_priority_created_at_idx" ON "bug_report"("project", "status", "priority", "created_at");
