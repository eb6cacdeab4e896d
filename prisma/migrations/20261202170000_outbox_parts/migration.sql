-- The message ids of the parts of a row posted so far (a reply longer than one platform message goes out as
-- several), written after each part: a lane taken over from a replica that died between two parts goes on
-- with the next part instead of posting the reply again. Empty until a part is out.

-- AlterTable
ALTER TABLE "outbox_message" ADD COLUMN "parts" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];
