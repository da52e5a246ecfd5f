-- DropIndex
DROP INDEX "point_events_timestamp_idx";

-- CreateIndex
CREATE INDEX "point_events_timestamp_idx" ON "point_events" USING BRIN ("timestamp");
