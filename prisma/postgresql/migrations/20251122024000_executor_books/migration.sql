-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "IntentStatus" AS ENUM ('planned', 'sending', 'sent', 'mined', 'confirmed', 'failed', 'abandoned');

-- CreateEnum
CREATE TYPE "AttemptStatus" AS ENUM ('signed', 'broadcast', 'mined', 'replaced', 'dropped', 'failed');

-- CreateTable
CREATE TABLE "Intent" (
    "id" SERIAL NOT NULL,
    "subject" TEXT NOT NULL,
    "step" TEXT NOT NULL,
    "chainId" BIGINT NOT NULL,
    "status" "IntentStatus" NOT NULL DEFAULT 'planned',
    "target" TEXT NOT NULL,
    "calldata" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "minedHash" TEXT,
    "minedBlock" BIGINT,
    "errorKind" TEXT,
    "errorMessage" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Intent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NonceSlot" (
    "id" SERIAL NOT NULL,
    "chainId" BIGINT NOT NULL,
    "from" TEXT NOT NULL,
    "nonce" BIGINT NOT NULL,
    "intentId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "NonceSlot_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Attempt" (
    "id" SERIAL NOT NULL,
    "hash" TEXT NOT NULL,
    "slotId" INTEGER NOT NULL,
    "maxFeePerGas" TEXT NOT NULL,
    "maxPriorityFeePerGas" TEXT NOT NULL,
    "gasLimit" BIGINT NOT NULL,
    "rawTransaction" TEXT NOT NULL,
    "status" "AttemptStatus" NOT NULL DEFAULT 'signed',
    "replacesId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Attempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NonceCursor" (
    "chainId" BIGINT NOT NULL,
    "account" TEXT NOT NULL,
    "next" BIGINT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "NonceCursor_pkey" PRIMARY KEY ("chainId","account")
);

-- CreateTable
CREATE TABLE "ReleasedNonce" (
    "chainId" BIGINT NOT NULL,
    "account" TEXT NOT NULL,
    "nonce" BIGINT NOT NULL,

    CONSTRAINT "ReleasedNonce_pkey" PRIMARY KEY ("chainId","account","nonce")
);

-- CreateTable
CREATE TABLE "Secret" (
    "subject" TEXT NOT NULL,
    "hashLock" TEXT NOT NULL,
    "iv" BYTEA NOT NULL,
    "ciphertext" BYTEA NOT NULL,
    "authTag" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Secret_pkey" PRIMARY KEY ("subject")
);

-- CreateTable
CREATE TABLE "SecretKey" (
    "id" INTEGER NOT NULL,
    "salt" BYTEA NOT NULL,
    "scryptN" INTEGER NOT NULL,
    "scryptR" INTEGER NOT NULL,
    "scryptP" INTEGER NOT NULL,
    "keyCheck" BYTEA NOT NULL,

    CONSTRAINT "SecretKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Cursor" (
    "feed" TEXT NOT NULL,
    "blockNumber" BIGINT NOT NULL,
    "blockHash" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Cursor_pkey" PRIMARY KEY ("feed")
);

-- CreateTable
CREATE TABLE "Skip" (
    "subject" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Skip_pkey" PRIMARY KEY ("subject")
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

-- AddForeignKey
ALTER TABLE "NonceSlot" ADD CONSTRAINT "NonceSlot_intentId_fkey" FOREIGN KEY ("intentId") REFERENCES "Intent"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Attempt" ADD CONSTRAINT "Attempt_slotId_fkey" FOREIGN KEY ("slotId") REFERENCES "NonceSlot"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Attempt" ADD CONSTRAINT "Attempt_replacesId_fkey" FOREIGN KEY ("replacesId") REFERENCES "Attempt"("id") ON DELETE SET NULL ON UPDATE CASCADE;

