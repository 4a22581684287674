import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook endpoints that keep failing, and deliveries sent again on request (issue 9):
 *
 * - `webhook_endpoint.failing_since`: the first failed attempt since the last success (NULL while
 *   the endpoint answers). An endpoint failing for longer than the policy allows is disabled.
 * - `webhook_endpoint.disabled_reason`: `BY_AGENCY` (its own PUT) or `FAILING` (the platform),
 *   set exactly when `disabled_at` is. Endpoints disabled before this migration were disabled by
 *   their agency, the only way there was.
 * - `webhook_delivery.redelivery_requested_at`: when the agency last asked for it to be sent
 *   again.
 * - `webhook_delivery.created_at` is kept to the millisecond: the delivery log's cursor carries
 *   milliseconds, and a row a few microseconds past it was skipped by the next page.
 */
export class WebhookEndpointHealth1700000001700 implements MigrationInterface {
  readonly name = 'WebhookEndpointHealth1700000001700';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "referral"."webhook_endpoint"
        ADD COLUMN "failing_since" timestamptz NULL,
        ADD COLUMN "disabled_reason" text NULL CHECK ("disabled_reason" IN ('BY_AGENCY', 'FAILING'))`);
    await queryRunner.query(
      `UPDATE "referral"."webhook_endpoint" SET "disabled_reason" = 'BY_AGENCY' WHERE "disabled_at" IS NOT NULL`,
    );
    await queryRunner.query(`
      ALTER TABLE "referral"."webhook_endpoint"
        ADD CONSTRAINT "webhook_endpoint_disabled_has_reason"
          CHECK (("disabled_at" IS NULL) = ("disabled_reason" IS NULL))`);
    await queryRunner.query(
      `ALTER TABLE "referral"."webhook_delivery" ADD COLUMN "redelivery_requested_at" timestamptz NULL`,
    );
    await queryRunner.query(
      `UPDATE "referral"."webhook_delivery" SET "created_at" = date_trunc('milliseconds', "created_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "referral"."webhook_delivery" DROP COLUMN "redelivery_requested_at"`,
    );
    await queryRunner.query(`
      ALTER TABLE "referral"."webhook_endpoint"
        DROP CONSTRAINT "webhook_endpoint_disabled_has_reason",
        DROP COLUMN "disabled_reason",
        DROP COLUMN "failing_since"`);
  }
}
