-- A key per audit entry for writers that may write one entry twice (the outage spool flushing after an
-- ambiguous failure, or two replicas flushing one Redis list): the unique index makes the second insert a
-- no-op. Entries written directly have none (NULLs do not collide).

-- AlterTable
ALTER TABLE "audit_log" ADD COLUMN     "entry_key" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "audit_log_entry_key_key" ON "audit_log"("entry_key");
