-- One open incident per project and alert group. Replicas that receive the same Alertmanager notification at
-- once claim the group with one conditional insert (INSERT … ON CONFLICT ("project", "group_key")
-- WHERE "status" = 'open' DO NOTHING) against this index, so only one of them opens it. Prisma's schema
-- cannot express a partial index, so this index is written here by hand and not in schema.prisma.
-- (No semicolon may appear in this file except at the end of a statement: the script is split on them.)

-- Groups opened twice before the index existed: the incident notifications were updating (the newest, as
-- findOpen picks it) stays open, the others are resolved now, with a timeline entry naming the one kept.
WITH ranked AS (
  SELECT "id",
         row_number() OVER w AS "n",
         first_value("id") OVER w AS "kept"
  FROM "incident"
  WHERE "status" = 'open'
  WINDOW w AS (PARTITION BY "project", "group_key" ORDER BY "opened_at" DESC, "id" ASC)
)
UPDATE "incident" AS i
SET "status" = 'resolved',
    "resolved_at" = now(),
    "timeline" = i."timeline" || jsonb_build_array(jsonb_build_object(
      'at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'kind', 'closed',
      'text', 'Closed as a duplicate of incident ' || r."kept",
      'by', NULL))
FROM ranked AS r
WHERE i."id" = r."id" AND r."n" > 1;

-- CreateIndex
CREATE UNIQUE INDEX "incident_one_open_per_group" ON "incident"("project", "group_key") WHERE "status" = 'open';
