// Each test file starts with the platform's streams empty. The run shares one NATS server, and
// the platform's durable consumers read the whole stream: a service's consumer created by the
// first file to boot that service in a run (deliver policy "all", as in production) first worked
// through every matching event the earlier files had published (a dashboard cohort alone is
// hundreds of referrals), and one that outlived its file took up the backlog at the next. Either
// way a file late in a run waited for its own events behind others': agency-assessment's
// "condition not met in time" in full runs and after the dashboard's spec, passing alone.
// Purging the events and dead-letter streams moves every consumer past what was there (its ack
// floor too); within a file, consumers keep their place across restarts as in production (what
// the resume and crash tests rely on). The database is still shared: an earlier file's outbox
// rows not yet relayed are published by the next relay of that schema.
//
// Only in `./throughcare test`'s own run (it sets THROUGHCARE_TEST_LOG_DIR and starts a NATS
// server for the run): a bare `npx jest` pointed at a platform's NATS must not wipe its dead letters.
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Streams } from '@throughcare/contracts';
import { isStreamNotFound } from '@throughcare/platform-messaging';

const servers = process.env['NATS_URL'];
if (servers && process.env['THROUGHCARE_TEST_LOG_DIR']) {
  beforeAll(async () => {
    const nc = await connect({ servers, name: 'test setup: empty streams' });
    try {
      const jsm = await jetstreamManager(nc);
      for (const { name } of Object.values(Streams))
        await jsm.streams.purge(name).catch((error: unknown) => {
          // Not made yet (no app has booted in this run): nothing to purge. Anything else is a failure.
          if (!isStreamNotFound(error)) throw error;
        });
    } finally {
      await nc.close();
    }
  });
}
