-- CreateTable
CREATE TABLE "Intent" (
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
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "NonceSlot" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "chainId" BIGINT NOT NULL,
    "from" TEXT NOT NULL,
    "nonce" BIGINT NOT NULL,
    "intentId" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "NonceSlot_intentId_fkey" FOREIGN KEY ("intentId") REFERENCES "Intent" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Attempt" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "hash" TEXT NOT NULL,
    "slotId" INTEGER NOT NULL,
    "maxFeePerGas" TEXT NOT NULL,
    "maxPriorityFeePerGas" TEXT NOT NULL,
    "gasLimit" BIGINT NOT NULL,
    "rawTransaction" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'signed',
    "replacesId" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Attempt_slotId_fkey" FOREIGN KEY ("slotId") REFERENCES "NonceSlot" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Attempt_replacesId_fkey" FOREIGN KEY ("replacesId") REFERENCES "Attempt" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "NonceCursor" (
    "chainId" BIGINT NOT NULL,
    "account" TEXT NOT NULL,
    "next" BIGINT NOT NULL,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("chainId", "account")
);

-- CreateTable
CREATE TABLE "ReleasedNonce" (
    "chainId" BIGINT NOT NULL,
    "account" TEXT NOT NULL,
    "nonce" BIGINT NOT NULL,

    PRIMARY KEY ("chainId", "account", "nonce")
);

-- CreateTable
CREATE TABLE "Secret" (
    "subject" TEXT NOT NULL PRIMARY KEY,
    "hashLock" TEXT NOT NULL,
    "iv" BLOB NOT NULL,
    "ciphertext" BLOB NOT NULL,
    "authTag" BLOB NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "SecretKey" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "salt" BLOB NOT NULL,
    "scryptN" INTEGER NOT NULL,
    "scryptR" INTEGER NOT NULL,
    "scryptP" INTEGER NOT NULL,
    "keyCheck" BLOB NOT NULL
);

-- CreateTable
CREATE TABLE "Cursor" (
    "feed" TEXT NOT NULL PRIMARY KEY,
    "blockNumber" BIGINT NOT NULL,
    "blockHash" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Skip" (
    "subject" TEXT NOT NULL PRIMARY KEY,
    "reason" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "Intent_status_idx" ON "Intent"("status");

-- CreateIndex
CREATE INDEX "Intent_updatedAt_idx" ON "Intent"("updatedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Intent_subject_step_key" ON "Intent"("subject", "step");

-- CreateIndex
CREATE INDEX "NonceSlot_intentId_idx" ON "NonceSlot"("intentId");

-- CreateIndex
CREATE UNIQUE INDEX "NonceSlot_chainId_from_nonce_key" ON "NonceSlot"("chainId", "from", "nonce");

-- CreateIndex
CREATE UNIQUE INDEX "Attempt_hash_key" ON "Attempt"("hash");

-- CreateIndex
CREATE UNIQUE INDEX "Attempt_replacesId_key" ON "Attempt"("replacesId");

-- CreateIndex
CREATE INDEX "Attempt_slotId_idx" ON "Attempt"("slotId");

-- CreateIndex
CREATE UNIQUE INDEX "Secret_hashLock_key" ON "Secret"("hashLock");

