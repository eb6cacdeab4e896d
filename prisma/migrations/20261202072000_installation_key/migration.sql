-- Secrets made once per installation (src/adapters/prisma/installation-key.repository.ts), e.g. the key of
-- the keyed hashes a promotion compares configuration values by.

-- CreateTable
CREATE TABLE "installation_key" (
    "purpose" TEXT NOT NULL,
    "key" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "installation_key_pkey" PRIMARY KEY ("purpose")
);
