-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "request_id" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "platform" TEXT NOT NULL,
    "platform_user_id" TEXT NOT NULL,
    "person_id" TEXT,
    "chat_id" TEXT NOT NULL,
    "intent" TEXT,
    "args" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "detail" TEXT,
    "duration_ms" INTEGER NOT NULL,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "processed_event" (
    "platform" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_event_pkey" PRIMARY KEY ("platform","event_id")
);

-- CreateIndex
CREATE INDEX "audit_log_at_idx" ON "audit_log"("at");

-- CreateIndex
CREATE INDEX "audit_log_person_id_at_idx" ON "audit_log"("person_id", "at");

-- CreateIndex
CREATE INDEX "audit_log_intent_at_idx" ON "audit_log"("intent", "at");

-- CreateIndex
CREATE INDEX "processed_event_seen_at_idx" ON "processed_event"("seen_at");
