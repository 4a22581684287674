import { Client, Connection } from '@temporalio/client';

export interface TemporalTarget {
  address: string;
  namespace: string;
}

/** Connects eagerly (fails fast at boot). Close with `client.connection.close()`. */
export async function createTemporalClient({ address, namespace }: TemporalTarget): Promise<Client> {
  const connection = await Connection.connect({ address });
  return new Client({ connection, namespace });
}
