import type { DataSource, EntitySubscriberInterface, TransactionCommitEvent } from 'typeorm';
import { auditContext, type AuditTrail } from './audit-trail';

/**
 * Writes a change's audit record inside the change's own transaction: when the first (outermost)
 * transaction a request to an `@Audited({ kind: 'change' })` route commits is about to commit,
 * the record is appended on the same connection. If that fails, the commit fails, the
 * transaction rolls back and the request answers 503 AUDIT_UNAVAILABLE: no change goes unaudited.
 */
export class AuditTransactionSubscriber implements EntitySubscriberInterface {
  constructor(
    private readonly dataSource: DataSource,
    private readonly trail: AuditTrail,
  ) {}

  /** Registers on the DataSource (subscribers are read at each broadcast). */
  static attach(dataSource: DataSource, trail: AuditTrail): AuditTransactionSubscriber {
    const existing = dataSource.subscribers.find((s) => s instanceof AuditTransactionSubscriber);
    if (existing) return existing as AuditTransactionSubscriber;
    const subscriber = new AuditTransactionSubscriber(dataSource, trail);
    dataSource.subscribers.push(subscriber);
    return subscriber;
  }

  async beforeTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    const flight = auditContext.getStore();
    if (!flight || flight.spec.kind !== 'change' || flight.written || flight.writing || flight.failed) return;
    if (event.connection !== this.dataSource) return;
    // Only the outermost transaction: a savepoint's release commits nothing yet.
    if ((event.queryRunner as unknown as { transactionDepth?: number }).transactionDepth !== 1) return;
    await this.trail.record(flight, 'allowed', { manager: event.manager });
  }
}
