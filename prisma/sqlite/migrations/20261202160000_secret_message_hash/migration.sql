-- AlterTable
ALTER TABLE "Secret" ADD COLUMN "messageHash" TEXT;
