-- The outbox (src/adapters/prisma/outbox.repository.ts): every outbound chat message is a row before it is
-- sent, delivered in order per chat by the holder of the chat's lane. The partial indexes are written by hand
-- (Prisma's schema cannot express them).
-- (No semicolon may appear in this file except at the end of a statement: the script is split on them.)

-- CreateTable
CREATE TABLE "outbox_message" (
    "seq" BIGSERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "chat_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "target" TEXT,
    "payload" JSONB NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'waiting',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "not_before" BIGINT NOT NULL DEFAULT 0,
    "put_at" BIGINT NOT NULL,
    "expires_at" BIGINT NOT NULL,
    "ended_at" BIGINT,
    "message_id" TEXT,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outbox_message_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "outbox_lane" (
    "platform" TEXT NOT NULL,
    "chat_id" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "lease_until" BIGINT NOT NULL,

    CONSTRAINT "outbox_lane_pkey" PRIMARY KEY ("platform","chat_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "outbox_message_key_key" ON "outbox_message"("key");

-- The rows still to deliver, per chat in order (lane claims and the lane holder's reads).
CREATE INDEX "outbox_message_open" ON "outbox_message"("platform", "chat_id", "seq") WHERE "state" IN ('waiting', 'sending');

-- One waiting edit per message and one waiting publish per key and chat: a newer one replaces its reply.
CREATE UNIQUE INDEX "outbox_message_one_waiting" ON "outbox_message"("platform", "chat_id", "kind", "target") WHERE "state" = 'waiting' AND "target" IS NOT NULL;

-- Pruning ended rows.
CREATE INDEX "outbox_message_ended" ON "outbox_message"("ended_at") WHERE "ended_at" IS NOT NULL;

-- Rows change state often and are pruned after a week: vacuum and analyze the table sooner than the defaults.
ALTER TABLE "outbox_message" SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
