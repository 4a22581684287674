// Each test file starts with an empty bus: a file is independent of the files that ran before it.
// The run shares one NATS server, and the platform's durable consumers read the whole stream: a
// service's consumer created by the first file to boot that service in a run (deliver policy
// "all", as in production) first worked through every matching event the earlier files had
// published (a dashboard cohort alone is hundreds of referrals), and one that outlived its file
// took up the backlog at the next. Either way a file late in a run waited for its own events
// behind others': agency-assessment's "condition not met in time" in full runs and after the
// dashboard's spec, passing alone. Purging the platform's streams (events and dead letters) moves
// every consumer past what was there; within a file, consumers keep their place across restarts
// as in production (what the resume and crash tests rely on).
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Streams } from '@throughcare/contracts';

const servers = process.env['NATS_URL'];
if (servers) {
  beforeAll(async () => {
    const nc = await connect({ servers, name: 'test setup: empty bus' });
    try {
      const jsm = await jetstreamManager(nc);
      for (const { name } of Object.values(Streams)) {
        const exists = await jsm.streams.info(name).then(
          () => true,
          () => false,
        );
        if (exists) await jsm.streams.purge(name);
      }
    } finally {
      await nc.close();
    }
  });
}
