import { randomUUID } from 'node:crypto';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/nats-core';
import {
  deadLetterSubjectFor,
  HmppsDomainEvent,
  HmppsStream,
  PRODUCER_HEADER,
  Streams,
  hmppsInboundSubject,
  subjectFor,
} from '@throughcare/contracts';
import { NATS_CONNECTION } from '@throughcare/platform-http';
import { jetstream } from '@throughcare/platform-messaging';
import type { EpisodeView } from './custody-episode.schemas';
import { HmppsInboundTranslator } from './hmpps-inbound';
import { HMPPS_OUTBOUND_CONSUMER, HmppsOutboundLedger } from './hmpps-outbound';
import {
  aPrisonNumber,
  aReception,
  anEnglishReception,
  consumerCaughtUp,
  daysFromToday,
  eventually,
  messagesWith as messagesWithIn,
  minutesAgo,
  personIdOf,
  useLiberation,
} from './spec-support';

const OUTBOUND_DEAD_LETTERS = deadLetterSubjectFor(HMPPS_OUTBOUND_CONSUMER);

describe('the HMPPS domain events adapter publishes the platform events on hmpps.outbound (consumer liberation-hmpps-outbound)', () => {
  const liberation = useLiberation();
  const lib = () => liberation.lib;
  const nc = () => lib().app.get<NatsConnection>(NATS_CONNECTION);
  const messagesWith = (stream: string, subject: string, marker: string) =>
    messagesWithIn(nc(), stream, subject, marker);

  const episodeOf = async (personId: string) => {
    const response = await lib().get(`/people/${personId}/episodes/1`);
    return response.status === 200 ? ((await response.json()) as EpisodeView) : undefined;
  };

  /** The person's HMPPS-shaped events on hmpps.outbound, once the adapter has settled everything. */
  async function outbound(personId: string) {
    await consumerCaughtUp(nc(), Streams.events.name, HMPPS_OUTBOUND_CONSUMER);
    return (await messagesWith(HmppsStream.name, 'hmpps.outbound.>', personId)).map((m) => ({
      subject: m.subject,
      msgId: m.headers?.get('Nats-Msg-Id'),
      body: HmppsDomainEvent.parse(JSON.parse(new TextDecoder().decode(m.data))),
    }));
  }

  it("tells the platform's own custody events in HMPPS shape, once each and by the pseudonym alone; HMPPS's and upstream systems' events are not told back", async () => {
    const prisonNumber = aPrisonNumber();
    const personId = personIdOf(prisonNumber);

    // The platform's own: a reception and a change of release date, recorded over HTTP.
    expect((await lib().post('/receptions', anEnglishReception(prisonNumber))).status).toBe(201);
    const newDate = daysFromToday(45);
    const changed = await lib().post(`/people/${personId}/episodes/1/release-date`, {
      expectedReleaseDate: newDate,
      reason: 'HDC_APPROVED',
    });
    expect(changed.status).toBe(201);
    const [received] = await lib().eventsOnBus('custody.person.received', personId);
    expect(received).toMatchObject({ version: 2, data: { establishmentCode: 'LEI', reason: 'ADMISSION' } });
    const [dateChanged] = await lib().eventsOnBus('custody.release-date.changed', personId);

    // HMPPS's own fact: a transfer LEI → GMR, applied by the inbound adapter.
    const transferredAt = minutesAgo(20);
    await jetstream(nc()).publish(
      hmppsInboundSubject('prison-offender-events.prisoner.received'),
      JSON.stringify({
        eventType: 'prison-offender-events.prisoner.received',
        version: 1,
        occurredAt: transferredAt,
        additionalInformation: { nomsNumber: prisonNumber, reason: 'TRANSFERRED', prisonId: 'GMR' },
        personReference: { identifiers: [{ type: 'NOMS', value: prisonNumber }] },
      }),
      { msgID: randomUUID() },
    );
    await eventually(async () =>
      (await episodeOf(personId))?.establishmentCode === 'GMR' ? true : undefined,
    );
    // An upstream prison system's fact: the release, published straight onto the platform's bus.
    const releasedAt = minutesAgo(10);
    await jetstream(nc()).publish(
      subjectFor('custody.person.released'),
      JSON.stringify({
        eventType: 'custody.person.released',
        version: 1,
        eventId: randomUUID(),
        occurredAt: releasedAt,
        correlationId: `upstream-${randomUUID()}`,
        personReference: { identifiers: [{ type: 'NOMS', value: prisonNumber }] },
        data: { episode: 1, establishmentCode: 'GMR', reason: 'RELEASED', releasedAt },
      }),
      { msgID: randomUUID() },
    );
    const released = await eventually(async () => {
      const view = await episodeOf(personId);
      return view?.state === 'RELEASED' ? view : undefined;
    }, 20_000);
    expect(released.movements.map((m) => [m.movement, m.toEstablishmentCode ?? null])).toEqual([
      ['TRANSFER', 'GMR'],
      ['RELEASE', null],
    ]);

    // A second copy of the reception on the platform's bus (a relay that crashed before it marked
    // the row published, a dead letter replayed): told once. Here it comes within JetStream's
    // duplicate window; after it, the ledger refuses it (below).
    const copy = natsHeaders();
    copy.set(PRODUCER_HEADER, 'liberation');
    await jetstream(nc()).publish(subjectFor('custody.person.received'), JSON.stringify(received), {
      msgID: randomUUID(),
      headers: copy,
    });

    const pseudonym = { identifiers: [{ type: 'THROUGHCARE_ID', value: personId }] };
    expect(await outbound(personId)).toEqual([
      {
        subject: 'hmpps.outbound.throughcare-custody.person.received',
        msgId: `throughcare-outbound:${received!.eventId}`,
        body: {
          eventType: 'throughcare-custody.person.received',
          version: 1,
          occurredAt: received!.occurredAt,
          publishedAt: expect.any(String),
          description: 'A person was received into custody',
          // Thin: not the sentence, the home area or the release date.
          additionalInformation: {
            throughcareEventId: received!.eventId,
            episode: 1,
            establishmentCode: 'LEI',
            reason: 'ADMISSION',
            receivedAt: (received!.data as { receivedAt: string }).receivedAt,
          },
          personReference: pseudonym,
        },
      },
      {
        subject: 'hmpps.outbound.throughcare-custody.release-date.changed',
        msgId: `throughcare-outbound:${dateChanged!.eventId}`,
        body: expect.objectContaining({
          eventType: 'throughcare-custody.release-date.changed',
          additionalInformation: {
            throughcareEventId: dateChanged!.eventId,
            episode: 1,
            expectedReleaseDate: newDate,
            previousExpectedReleaseDate: expect.any(String),
            changedAt: expect.any(String),
          },
          personReference: pseudonym,
        }),
      },
    ]);
    // Nothing on hmpps.outbound names the person by prison number; nothing was dead-lettered
    // (the transfer and the upstream release were skipped, not refused).
    expect(await messagesWith(HmppsStream.name, 'hmpps.outbound.>', prisonNumber)).toEqual([]);
    expect(await messagesWith(Streams.deadLetter.name, OUTBOUND_DEAD_LETTERS, personId)).toEqual([]);
    // A copy after the duplicate window: the ledger has it told.
    const ledger = lib().app.get(HmppsOutboundLedger);
    expect(await ledger.whyNot(received!)).toBe(`already told (${received!.eventId})`);
  });

  it("does not tell back a recall received from HMPPS's own admission, and tells one staff recorded", async () => {
    const translator = lib().app.get(HmppsInboundTranslator);
    const ledger = lib().app.get(HmppsOutboundLedger);
    const recalled = async (byHmpps: boolean) => {
      const prisonNumber = aPrisonNumber();
      const personId = personIdOf(prisonNumber);
      expect((await lib().post('/receptions', anEnglishReception(prisonNumber))).status).toBe(201);
      const release = {
        prisonNumber,
        establishmentCode: 'LEI',
        reason: 'RELEASED',
        releasedAt: minutesAgo(300),
      };
      expect((await lib().post('/releases', release)).status).toBe(201);
      if (byHmpps) {
        const admission = HmppsDomainEvent.parse({
          eventType: 'prison-offender-events.prisoner.received',
          version: 1,
          occurredAt: minutesAgo(10),
          additionalInformation: {
            nomsNumber: prisonNumber,
            reason: 'ADMISSION',
            prisonId: 'LEI',
            nomisMovementReasonCode: 'L',
          },
          personReference: { identifiers: [{ type: 'NOMS', value: prisonNumber }] },
        });
        const translation = await translator.translate(admission);
        if (!('receive' in translation)) throw new Error(`not received: ${JSON.stringify(translation)}`);
        await translator.receive(translation);
      } else {
        const byStaff = {
          ...anEnglishReception(prisonNumber),
          reason: 'READMISSION',
          receivedAt: minutesAgo(10),
          returnToCustody: { reason: 'RECALL', recallReasonCode: 'L' },
        };
        expect((await lib().post('/receptions', byStaff)).status).toBe(201);
      }
      const second = await eventually(async () =>
        (await lib().eventsOnBus('custody.person.received', personId)).find(
          (e) => (e as { data: { episode: number } }).data.episode === 2,
        ),
      );
      // The episodes whose receptions went out, once the adapter has settled everything.
      const told = (await outbound(personId))
        .filter((m) => m.body.eventType === 'throughcare-custody.person.received')
        .map((m) => m.body.additionalInformation?.['episode']);
      return { told, whyNot: await ledger.whyNot(second) };
    };
    expect(await recalled(true)).toEqual({
      told: [1],
      whyNot: "episode 2 was received from HMPPS's own admission: not told back",
    });
    expect(await recalled(false)).toEqual({
      told: [1, 2],
      whyNot: expect.stringMatching(/^already told \(/),
    });
  });

  it('tells nothing of a person held in Scotland (outside HMPPS remit)', async () => {
    const reception = aReception();
    const personId = personIdOf(reception.prisonNumber);
    expect(reception.jurisdiction).toBe('SCOTLAND');
    expect((await lib().post('/receptions', reception)).status).toBe(201);
    const [received] = await lib().eventsOnBus('custody.person.received', personId);
    expect(await outbound(personId)).toEqual([]);
    expect(await messagesWith(Streams.deadLetter.name, OUTBOUND_DEAD_LETTERS, personId)).toEqual([]);
    expect(await lib().app.get(HmppsOutboundLedger).whyNot(received!)).toBe(
      "episode 1 is held in SCOTLAND: outside HMPPS's remit",
    );
  });
});
