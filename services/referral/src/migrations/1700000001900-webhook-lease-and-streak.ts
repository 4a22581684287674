import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks, from the review of the dispatcher (issue 9):
 *
 * - `webhook_delivery.lease_token`: set when a dispatcher claims a delivery; it writes the
 *   attempt's result only while the token is still its own, so a dispatcher whose lease lapsed
 *   mid-request (a slow pool, a pause) cannot overwrite what another wrote since.
 * - `webhook_endpoint.last_failed_at`: the latest failed attempt. A failure long after the one
 *   before (longer than the retry schedule's longest wait) starts a new failing streak, so an
 *   endpoint quiet for days is not disabled by its first failure after.
 * - `webhook_endpoint.rotation_idempotency_key`: the Idempotency-Key of the rotation that made the
 *   current secret, so a retried rotation answers that secret instead of making another (which
 *   would drop the secret the receiver still holds).
 */
export class WebhookLeaseAndStreak1700000001900 implements MigrationInterface {
  readonly name = 'WebhookLeaseAndStreak1700000001900';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "referral"."webhook_delivery" ADD COLUMN "lease_token" uuid NULL`);
    await queryRunner.query(`
      ALTER TABLE "referral"."webhook_endpoint"
        ADD COLUMN "last_failed_at" timestamptz NULL,
        ADD COLUMN "rotation_idempotency_key" text NULL
          CHECK (char_length("rotation_idempotency_key") BETWEEN 1 AND 200)`);
    await queryRunner.query(
      `UPDATE "referral"."webhook_endpoint" SET "last_failed_at" = "failing_since" WHERE "failing_since" IS NOT NULL`,
    );
    // The per-endpoint cap of the dispatcher's claim counts the deliveries in flight, and takes
    // each endpoint's oldest due ones without walking its history.
    await queryRunner.query(
      `CREATE INDEX "webhook_delivery_leased_idx" ON "referral"."webhook_delivery" ("endpoint_id") WHERE "status" = 'PENDING' AND "leased_until" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_delivery_endpoint_due_idx" ON "referral"."webhook_delivery" ("endpoint_id", "next_attempt_at", "created_at", "id") WHERE "status" = 'PENDING'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "referral"."webhook_delivery_endpoint_due_idx"`);
    await queryRunner.query(`DROP INDEX "referral"."webhook_delivery_leased_idx"`);
    await queryRunner.query(`
      ALTER TABLE "referral"."webhook_endpoint"
        DROP COLUMN "rotation_idempotency_key",
        DROP COLUMN "last_failed_at"`);
    await queryRunner.query(`ALTER TABLE "referral"."webhook_delivery" DROP COLUMN "lease_token"`);
  }
}
