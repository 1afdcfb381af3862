-- CreateTable
CREATE TABLE "Lease" (
    "name" TEXT NOT NULL,
    "token" INTEGER NOT NULL,
    "beat" INTEGER NOT NULL,
    "pid" INTEGER NOT NULL,
    "host" TEXT NOT NULL,
    "acquiredAt" TIMESTAMP(3) NOT NULL,
    "heartbeatAt" TIMESTAMP(3) NOT NULL,
    "releasedAt" TIMESTAMP(3),

    CONSTRAINT "Lease_pkey" PRIMARY KEY ("name")
);
