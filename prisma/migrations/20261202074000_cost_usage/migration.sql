-- The cost sampler's measurements (src/adapters/prisma/usage.repository.ts): raw samples until their hour is
-- compacted into usage_hour, the last reading of each unit, and the week-over-week warnings already sent.

-- CreateTable
CREATE TABLE "usage_sample" (
    "at" TIMESTAMPTZ(3) NOT NULL,
    "host" TEXT NOT NULL,
    "unit_id" TEXT NOT NULL,
    "project" TEXT NOT NULL,
    "env" TEXT NOT NULL,
    "service" TEXT NOT NULL,
    "seconds" INTEGER NOT NULL,
    "cpu_cores" DOUBLE PRECISION NOT NULL,
    "memory_bytes" BIGINT NOT NULL,
    "storage_bytes" BIGINT NOT NULL,
    "restarts" INTEGER NOT NULL,
    "unhealthy" BOOLEAN NOT NULL,
    "image_created_at" TIMESTAMPTZ(3),

    CONSTRAINT "usage_sample_pkey" PRIMARY KEY ("at","host","unit_id")
);

-- CreateTable
CREATE TABLE "usage_hour" (
    "project" TEXT NOT NULL,
    "env" TEXT NOT NULL,
    "service" TEXT NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "seconds" INTEGER NOT NULL,
    "cpu_core_seconds" DOUBLE PRECISION NOT NULL,
    "memory_byte_seconds" DOUBLE PRECISION NOT NULL,
    "storage_byte_seconds" DOUBLE PRECISION NOT NULL,
    "max_cpu_cores" DOUBLE PRECISION NOT NULL,
    "restarts" INTEGER NOT NULL,
    "unhealthy_seconds" INTEGER NOT NULL,
    "image_created_at" TIMESTAMPTZ(3),

    CONSTRAINT "usage_hour_pkey" PRIMARY KEY ("project","env","service","hour")
);

-- CreateTable
CREATE TABLE "usage_unit" (
    "host" TEXT NOT NULL,
    "unit_id" TEXT NOT NULL,
    "read_at" TIMESTAMPTZ(3) NOT NULL,
    "cpu_total_ns" DOUBLE PRECISION NOT NULL,
    "restart_count" INTEGER NOT NULL,

    CONSTRAINT "usage_unit_pkey" PRIMARY KEY ("host","unit_id")
);

-- CreateTable
CREATE TABLE "cost_anomaly" (
    "project" TEXT NOT NULL,
    "week_start" TIMESTAMPTZ(3) NOT NULL,
    "sent_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cost_anomaly_pkey" PRIMARY KEY ("project","week_start")
);

-- CreateIndex
CREATE INDEX "usage_hour_hour_idx" ON "usage_hour"("hour");

-- CreateIndex
CREATE INDEX "usage_unit_read_at_idx" ON "usage_unit"("read_at");
