-- A database migrated by main at a4d35b7, before issue 27 renamed the schema
-- steps (m001, m201, m202, m101...), dumped with Python's sqlite3 iterdump.
BEGIN TRANSACTION;
CREATE TABLE "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);
INSERT INTO "_sqlite_migrations" VALUES(1,'webapp','m001_meta','2026-12-07 06:22:37.842285+00:00');
INSERT INTO "_sqlite_migrations" VALUES(2,'webapp','m201_login_attempts','2026-12-07 06:22:37.842743+00:00');
INSERT INTO "_sqlite_migrations" VALUES(3,'webapp','m202_owner_sessions','2026-12-07 06:22:37.845683+00:00');
INSERT INTO "_sqlite_migrations" VALUES(4,'webapp','m101_events','2026-12-07 06:22:37.846392+00:00');
INSERT INTO "_sqlite_migrations" VALUES(5,'webapp','m102_filtered_daily','2026-12-07 06:22:37.846833+00:00');
INSERT INTO "_sqlite_migrations" VALUES(6,'webapp','m103_daily_counts','2026-12-07 06:22:37.849159+00:00');
INSERT INTO "_sqlite_migrations" VALUES(7,'webapp','m104_daily_counts_covering','2026-12-07 06:22:37.849439+00:00');
INSERT INTO "_sqlite_migrations" VALUES(8,'webapp','m203_login_ceiling','2026-12-07 06:22:37.849739+00:00');
INSERT INTO "_sqlite_migrations" VALUES(9,'webapp','m105_journal_progress','2026-12-07 06:22:37.850089+00:00');
INSERT INTO "_sqlite_migrations" VALUES(10,'webapp','m301_bookings','2026-12-07 06:22:37.857622+00:00');
INSERT INTO "_sqlite_migrations" VALUES(11,'webapp','m302_notes','2026-12-07 06:22:37.859241+00:00');
INSERT INTO "_sqlite_migrations" VALUES(12,'webapp','m401_digest_sends','2026-12-07 06:22:37.859635+00:00');
CREATE TABLE "booking_batch_duplicates" (
   "batch" INTEGER REFERENCES "import_batches"("id"),
   "fingerprint" TEXT,
   PRIMARY KEY ("batch", "fingerprint")
);
CREATE TABLE "booking_status_changes" (
   "batch" INTEGER REFERENCES "import_batches"("id"),
   "booking" INTEGER REFERENCES "bookings"("id"),
   "status" TEXT NOT NULL,
   "previous" TEXT NOT NULL,
   PRIMARY KEY ("batch", "booking")
);
CREATE TABLE "bookings" (
   "id" INTEGER PRIMARY KEY,
   "batch" INTEGER NOT NULL REFERENCES "import_batches"("id"),
   "fingerprint" TEXT NOT NULL,
   "day" TEXT NOT NULL,
   "booked_on" TEXT DEFAULT '',
   "appointment" TEXT NOT NULL,
   "service" TEXT DEFAULT '',
   "price_cents" INTEGER,
   "status" TEXT NOT NULL,
   "source" TEXT NOT NULL DEFAULT '',
   "new_client" INTEGER
);
CREATE TABLE "daily_counts" (
   "day" TEXT NOT NULL,
   "kind" TEXT NOT NULL,
   "dimension" TEXT NOT NULL,
   "value" TEXT NOT NULL,
   "events" INTEGER NOT NULL,
   "uniques" INTEGER NOT NULL,
   PRIMARY KEY ("day", "kind", "dimension", "value")
);
CREATE TABLE "digest_sends" (
   "id" INTEGER PRIMARY KEY,
   "week" TEXT NOT NULL,
   "attempted_at" TEXT NOT NULL,
   "recipients" INTEGER NOT NULL,
   "status" TEXT NOT NULL,
   "detail" TEXT DEFAULT '',
   "forced" INTEGER DEFAULT 0
);
CREATE TABLE "events" (
   "id" INTEGER PRIMARY KEY,
   "ts" TEXT NOT NULL,
   "day" TEXT NOT NULL,
   "hour" INTEGER NOT NULL,
   "kind" TEXT NOT NULL,
   "page" TEXT NOT NULL DEFAULT '',
   "placement" TEXT NOT NULL DEFAULT '',
   "widget" TEXT NOT NULL DEFAULT '',
   "detail" TEXT NOT NULL DEFAULT '',
   "referrer_host" TEXT NOT NULL DEFAULT '',
   "utm_source" TEXT NOT NULL DEFAULT '',
   "utm_medium" TEXT NOT NULL DEFAULT '',
   "utm_campaign" TEXT NOT NULL DEFAULT '',
   "utm_content" TEXT NOT NULL DEFAULT '',
   "utm_term" TEXT NOT NULL DEFAULT '',
   "device" TEXT NOT NULL DEFAULT '',
   "browser" TEXT NOT NULL DEFAULT '',
   "visitor" TEXT NOT NULL DEFAULT '',
   "repeat" INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE "filtered_daily" (
   "day" TEXT NOT NULL,
   "reason" TEXT NOT NULL,
   "kind" TEXT NOT NULL,
   "events" INTEGER NOT NULL,
   PRIMARY KEY ("day", "reason", "kind")
);
CREATE TABLE "import_batches" (
   "id" INTEGER PRIMARY KEY,
   "imported_at" TEXT NOT NULL,
   "confirmed_at" TEXT DEFAULT '',
   "file_name" TEXT NOT NULL DEFAULT '',
   "rows_read" INTEGER NOT NULL,
   "kept" INTEGER NOT NULL,
   "duplicates" INTEGER NOT NULL,
   "cancelled" INTEGER DEFAULT 0,
   "no_show" INTEGER DEFAULT 0,
   "status_changes" INTEGER DEFAULT 0,
   "dropped_columns" TEXT DEFAULT ''
);
CREATE TABLE "journal_progress" (
   "file" TEXT PRIMARY KEY NOT NULL,
   "stored_to" INTEGER NOT NULL,
   "dropped" INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE "login_attempts" (
   "client_key" TEXT,
   "attempted_at" REAL
);
CREATE TABLE "login_ceiling" (
   "id" INTEGER PRIMARY KEY,
   "attempted_at" REAL
);
CREATE TABLE "meta" (
   "key" TEXT PRIMARY KEY,
   "value" TEXT
);
INSERT INTO "meta" VALUES('made_by','main before issue 27 item 9');
CREATE TABLE "notes" (
   "id" INTEGER PRIMARY KEY,
   "day" TEXT NOT NULL,
   "text" TEXT NOT NULL,
   "created_at" TEXT NOT NULL
);
CREATE TABLE "owner_sessions" (
   "id_hash" TEXT PRIMARY KEY,
   "created_at" REAL,
   "expires_at" REAL
);
CREATE TABLE "rolled_days" (
   "day" TEXT PRIMARY KEY,
   "rolled_at" TEXT
);
CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");
CREATE INDEX "idx_login_attempts_client_key_attempted_at"
    ON "login_attempts" ("client_key", "attempted_at");
CREATE INDEX "idx_login_attempts_attempted_at"
    ON "login_attempts" ("attempted_at");
CREATE INDEX "idx_events_day_kind"
    ON "events" ("day", "kind");
CREATE INDEX "idx_events_visitor_kind_ts"
    ON "events" ("visitor", "kind", "ts");
CREATE INDEX "daily_counts_covering"
    ON "daily_counts" ("day", "kind", "dimension", "value", "events", "uniques");
CREATE INDEX "idx_login_ceiling_attempted_at"
    ON "login_ceiling" ("attempted_at");
CREATE UNIQUE INDEX "idx_bookings_fingerprint"
    ON "bookings" ("fingerprint");
CREATE INDEX "idx_bookings_day_status"
    ON "bookings" ("day", "status");
CREATE INDEX "idx_bookings_batch"
    ON "bookings" ("batch");
CREATE INDEX "idx_booking_status_changes_booking"
    ON "booking_status_changes" ("booking");
CREATE INDEX "idx_booking_batch_duplicates_fingerprint"
    ON "booking_batch_duplicates" ("fingerprint");
CREATE INDEX "idx_notes_day"
    ON "notes" ("day");
CREATE INDEX "idx_digest_sends_week_status"
    ON "digest_sends" ("week", "status");
COMMIT;
