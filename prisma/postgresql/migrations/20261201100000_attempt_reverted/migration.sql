-- AlterEnum: an attempt mined with status 0 (its intent failed, and may be sent again at a new nonce)
ALTER TYPE "AttemptStatus" ADD VALUE 'reverted';
