-- AlterTable
ALTER TABLE "Trigger" ADD COLUMN     "requireSignature" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "signingKeyId" TEXT,
ADD COLUMN     "signingSecret" BYTEA;

