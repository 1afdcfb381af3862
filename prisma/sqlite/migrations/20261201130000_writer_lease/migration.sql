-- CreateTable
CREATE TABLE "Lease" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "token" INTEGER NOT NULL,
    "beat" INTEGER NOT NULL,
    "pid" INTEGER NOT NULL,
    "host" TEXT NOT NULL,
    "acquiredAt" DATETIME NOT NULL,
    "heartbeatAt" DATETIME NOT NULL,
    "releasedAt" DATETIME
);
