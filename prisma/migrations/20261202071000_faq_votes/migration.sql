-- "Did this help?" votes on FAQ entries: one row per person per entry (the primary key), so a second
-- click of the same person changes the vote instead of counting twice.

-- CreateTable
CREATE TABLE "faq_vote" (
    "entry_id" TEXT NOT NULL,
    "person_id" TEXT NOT NULL,
    "helpful" BOOLEAN NOT NULL,
    "voted_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "faq_vote_pkey" PRIMARY KEY ("entry_id","person_id")
);
