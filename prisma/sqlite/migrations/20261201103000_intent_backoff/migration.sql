-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Intent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "subject" TEXT NOT NULL,
    "step" TEXT NOT NULL,
    "chainId" BIGINT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'planned',
    "target" TEXT NOT NULL,
    "calldata" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "minedHash" TEXT,
    "minedBlock" BIGINT,
    "errorKind" TEXT,
    "errorMessage" TEXT,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Intent" ("calldata", "chainId", "createdAt", "errorKind", "errorMessage", "id", "minedBlock", "minedHash", "status", "step", "subject", "target", "updatedAt", "value") SELECT "calldata", "chainId", "createdAt", "errorKind", "errorMessage", "id", "minedBlock", "minedHash", "status", "step", "subject", "target", "updatedAt", "value" FROM "Intent";
DROP TABLE "Intent";
ALTER TABLE "new_Intent" RENAME TO "Intent";
CREATE INDEX "Intent_status_idx" ON "Intent"("status");
CREATE INDEX "Intent_updatedAt_idx" ON "Intent"("updatedAt");
CREATE UNIQUE INDEX "Intent_subject_step_key" ON "Intent"("subject", "step");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

