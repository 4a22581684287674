import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowStartOptions } from '@temporalio/client';
import type { DataConverter, Workflow, WorkflowResultType } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { closeSafeRetryInterceptor, dataConverterFrom } from '@throughcare/platform-temporal';
import { requireEnv } from './env';

export interface SpecWorkflowTarget {
  address: string;
  namespace: string;
  /**
   * Payload encryption shared with the service's worker (whose results it must read); defaults to
   * the test run's keys (PAYLOAD_ENCRYPTION_KEYS / PAYLOAD_ENCRYPTION_KEY_ID, set by `npm test`).
   */
  dataConverter?: DataConverter;
}

/** The data converter of the apps a test run starts (the run's payload encryption keys). */
export function testDataConverter(): DataConverter {
  return dataConverterFrom({
    PAYLOAD_ENCRYPTION_KEYS: requireEnv('PAYLOAD_ENCRYPTION_KEYS'),
    PAYLOAD_ENCRYPTION_KEY_ID: requireEnv('PAYLOAD_ENCRYPTION_KEY_ID'),
  });
}

export interface SpecWorker {
  /** Runs one workflow of the spec's workflows file to completion and returns its result. */
  execute<W extends Workflow>(workflowType: string, args: Parameters<W>): Promise<WorkflowResultType<W>>;
}

/**
 * Integration specs drive a service's activities the way the journey does: through a tiny test
 * workflow (`workflowsPath`) run by a throw-away worker on its own task queue, whose activities go
 * to the service's real worker and task queue. Connections are closed however `fn` ends.
 */
export async function withSpecWorker<R>(
  target: SpecWorkflowTarget,
  workflowsPath: string,
  fn: (worker: SpecWorker) => Promise<R>,
): Promise<R> {
  const connection = await Connection.connect({
    address: target.address,
    interceptors: [closeSafeRetryInterceptor()],
  });
  const workerConnection = await NativeConnection.connect({ address: target.address });
  try {
    const dataConverter = target.dataConverter ?? testDataConverter();
    const client = new Client({ connection, namespace: target.namespace, dataConverter });
    const taskQueue = `spec-${randomUUID()}`;
    const worker = await Worker.create({
      connection: workerConnection,
      namespace: target.namespace,
      dataConverter,
      taskQueue,
      workflowsPath,
    });
    const execute = <W extends Workflow>(workflowType: string, args: Parameters<W>) =>
      client.workflow.execute<W>(workflowType, {
        taskQueue,
        workflowId: `spec-${workflowType}-${randomUUID()}`,
        args,
      } as unknown as WorkflowStartOptions<W>);
    return await worker.runUntil(fn({ execute }));
  } finally {
    await connection.close();
    await workerConnection.close();
  }
}
