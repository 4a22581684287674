import { scottishLiberationDate } from '@throughcare/domain';
import { DAY, HOUR, inputFor, releaseNow, setUp, SimulatedJourney } from './journey-simulation.spec-support';
import { EW_RELEASE_DAY_PATCH, EW_SHORT_SENTENCE_PATCH, SCOTLAND_RELEASE_DAY_PATCH } from './planner';

describe('England & Wales release day (ew-release-day-1: Criminal Justice Act 1961 s.23(3))', () => {
  // inputFor: received Monday 2026-03-02; 40 days on is Saturday 2026-04-11.
  it('plans a release due on a Saturday from the Friday before', () => {
    const j = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 40));
    j.run();
    expect(j.s.expectedReleaseDate).toBe('2026-04-11');
    expect(j.s.adopted).toContain(EW_RELEASE_DAY_PATCH);
    expect(j.p.liberationDate()).toBe('2026-04-10');
  });

  it('brings a release due on Easter Monday forward past the weekend and Good Friday, to Maundy Thursday', () => {
    const j = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 35)); // Monday 2026-04-06
    j.run();
    expect(j.p.liberationDate()).toBe('2026-04-02');
  });

  it('leaves a working day alone, and plans from the date as given when the patch is refused (a replay from before it)', () => {
    const weekday = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 38)); // Thursday 2026-04-09
    weekday.run();
    expect(weekday.p.liberationDate()).toBe('2026-04-09');
    const before = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 40), [EW_RELEASE_DAY_PATCH]);
    before.run();
    expect(before.s.adopted).not.toContain(EW_RELEASE_DAY_PATCH);
    expect(before.p.liberationDate()).toBe('2026-04-11');
  });

  it('is not asked of a Scottish journey', () => {
    const j = new SimulatedJourney(inputFor('SCOTLAND', 40));
    j.run();
    expect(j.s.adopted).not.toContain(EW_RELEASE_DAY_PATCH);
  });

  describe('a sentence of 5 days or less is not brought forward (ew-short-sentence-1, stop 35 review M4a)', () => {
    // Received Monday 2026-03-02, due Saturday 2026-03-07.
    const sentenced = (days: number, refused: string[] = []) => {
      const j = new SimulatedJourney(
        { ...inputFor('ENGLAND_AND_WALES', 5), sentenceLengthDays: days },
        refused,
      );
      j.run();
      return j;
    };

    it('a 5-day sentence due on a Saturday is planned for that Saturday, as the liberation service shows it', () => {
      const j = sentenced(5);
      expect(j.s.expectedReleaseDate).toBe('2026-03-07');
      expect(j.s.adopted).toEqual(expect.arrayContaining([EW_RELEASE_DAY_PATCH, EW_SHORT_SENTENCE_PATCH]));
      expect(j.p.liberationDate()).toBe('2026-03-07');
    });

    it('a 6-day sentence is brought forward to the Friday, and the patch is not asked', () => {
      const j = sentenced(6);
      expect(j.s.adopted).not.toContain(EW_SHORT_SENTENCE_PATCH);
      expect(j.p.liberationDate()).toBe('2026-03-06');
    });

    it('refused (a replay from before it): the Friday, as before', () => {
      const j = sentenced(5, [EW_SHORT_SENTENCE_PATCH]);
      expect(j.s.adopted).toContain(EW_RELEASE_DAY_PATCH);
      expect(j.s.adopted).not.toContain(EW_SHORT_SENTENCE_PATCH);
      expect(j.p.liberationDate()).toBe('2026-03-06');
    });

    it('adopted by a running journey planned for the Friday: the date moves to the Saturday; once released, never moved', () => {
      const refused = [EW_SHORT_SENTENCE_PATCH];
      const j = sentenced(5, refused);
      expect(j.p.liberationDate()).toBe('2026-03-06');
      refused.length = 0;
      j.advance(HOUR);
      j.run();
      expect(j.s.adopted).toContain(EW_SHORT_SENTENCE_PATCH);
      expect(j.p.liberationDate()).toBe('2026-03-07');

      // Released on the Friday (planned before the patch), then adopted: the release stands.
      const before = [EW_SHORT_SENTENCE_PATCH];
      const released = sentenced(5, before);
      released.t = Date.parse('2026-03-06T10:00:00.000Z');
      released.run();
      releaseNow(released);
      before.length = 0;
      released.advance(HOUR);
      released.run();
      expect(released.s.adopted).toContain(EW_SHORT_SENTENCE_PATCH);
      expect(released.p.liberationDate()).toBe('2026-03-06');
    });

    it('is not asked of a Scottish journey, nor of a liberation from court', () => {
      const scottish = new SimulatedJourney({ ...inputFor('SCOTLAND', 5), sentenceLengthDays: 5 });
      scottish.run();
      expect(scottish.s.adopted).not.toContain(EW_SHORT_SENTENCE_PATCH);
      const court = new SimulatedJourney({
        ...inputFor('ENGLAND_AND_WALES', 5),
        sentenceLengthDays: 1,
        liberatedFromCourt: {
          releasedAt: '2026-03-02T14:00:00.000Z',
          legalStatus: 'REMAND',
          eventId: 'court',
        },
      });
      court.run();
      expect(court.s.adopted).toContain(EW_RELEASE_DAY_PATCH);
      expect(court.s.adopted).not.toContain(EW_SHORT_SENTENCE_PATCH);
    });
  });
});

describe('Scottish release day (scotland-release-day-1: the 1993 Act s.27(7) as in force, not s.8)', () => {
  // inputFor: received Monday 2026-03-02; 39 days on is Friday 2026-04-10, 38 Thursday 2026-04-09.
  it('keeps a release due on a Friday on the Friday, and one due on a Thursday on the Thursday', () => {
    const friday = new SimulatedJourney(inputFor('SCOTLAND', 39));
    friday.run();
    expect(friday.s.expectedReleaseDate).toBe('2026-04-10');
    expect(friday.s.adopted).toContain(SCOTLAND_RELEASE_DAY_PATCH);
    expect(friday.p.liberationDate()).toBe('2026-04-10');
    const thursday = new SimulatedJourney(inputFor('SCOTLAND', 38));
    thursday.run();
    expect(thursday.p.liberationDate()).toBe('2026-04-09');
  });

  it('brings a release due on a Saturday to the Friday, and one due on Easter Monday (no Scottish bank holiday) stays', () => {
    const saturday = new SimulatedJourney(inputFor('SCOTLAND', 40));
    saturday.run();
    expect(saturday.p.liberationDate()).toBe('2026-04-10');
    const easterMonday = new SimulatedJourney(inputFor('SCOTLAND', 35)); // Monday 2026-04-06
    easterMonday.run();
    // Good Friday is a Scottish bank holiday, Easter Monday is not.
    expect(easterMonday.p.liberationDate()).toBe('2026-04-06');
  });

  it('plans by s.8 as before when the patch is refused (a replay from before it), and is not asked of England & Wales', () => {
    const before = new SimulatedJourney(inputFor('SCOTLAND', 39), [SCOTLAND_RELEASE_DAY_PATCH]);
    before.run();
    expect(before.s.adopted).not.toContain(SCOTLAND_RELEASE_DAY_PATCH);
    expect(before.p.liberationDate()).toBe(scottishLiberationDate('2026-04-10'));
    expect(before.p.liberationDate()).toBe('2026-04-09');
    const ew = new SimulatedJourney(inputFor('ENGLAND_AND_WALES', 39));
    ew.run();
    expect(ew.s.adopted).not.toContain(SCOTLAND_RELEASE_DAY_PATCH);
  });

  describe('adopted by a running journey that planned by s.8 (stop 35 review M5)', () => {
    // Due Friday 2026-04-10: s.8 planned Thursday 2026-04-09, the 1993 rule keeps the Friday.
    const plannedByS8 = () => {
      const refused = [SCOTLAND_RELEASE_DAY_PATCH];
      const j = new SimulatedJourney(inputFor('SCOTLAND', 39), refused);
      setUp(j, 10);
      expect(j.p.liberationDate()).toBe('2026-04-09');
      expect(j.s.adopted).not.toContain(SCOTLAND_RELEASE_DAY_PATCH);
      const pickups = () =>
        [...j.bookings.values()].filter((b) => b.kind === 'GATE_PICKUP').map((b) => [b.date, b.status]);
      expect(pickups()).toEqual([['2026-04-09', 'BOOKED']]);
      expect(j.notices).toEqual([]);
      /** The deploy: the patch is no longer refused at the next planning. */
      const deploy = () => refused.splice(0);
      return { j, pickups, deploy };
    };

    it('tells the agency the new date, and cancels and rebooks the gate pick-up; the meeting still fits', () => {
      const { j, pickups, deploy } = plannedByS8();
      const meeting = [...j.bookings.values()].find((b) => b.kind === 'PRE_RELEASE_MEETING')!;
      deploy();
      j.advance(DAY);
      j.run();
      expect(j.s.adopted).toContain(SCOTLAND_RELEASE_DAY_PATCH);
      expect(j.p.liberationDate()).toBe('2026-04-10');
      expect(j.notices).toEqual([
        expect.objectContaining({
          agencyId: 'agency-1',
          subject: 'LIBERATION_DATE_CHANGED',
          fields: expect.objectContaining({
            liberationDate: '2026-04-10',
            previousLiberationDate: '2026-04-09',
          }),
        }),
      ]);
      expect(pickups()).toEqual([
        ['2026-04-09', 'CANCELLED'],
        ['2026-04-10', 'BOOKED'],
      ]);
      expect(j.bookings.get(meeting.bookingId)?.status).toBe('BOOKED');
      // Told once: nothing more to do.
      j.advance(HOUR);
      expect(j.run()).toBe(0);
    });

    it('adopted on the old Thursday itself, with the person not yet released: the Friday is planned', () => {
      const { j, pickups, deploy } = plannedByS8();
      // The pre-release meeting was held as booked.
      const meeting = [...j.bookings.values()].find((b) => b.kind === 'PRE_RELEASE_MEETING')!;
      j.t = Date.parse('2026-03-25T14:00:00.000Z');
      expect(
        j.tell(j.facts.meetingHeld, {
          bookingId: meeting.bookingId,
          kind: 'PRE_RELEASE_MEETING',
          heldAt: '2026-03-25T10:00:00.000Z',
          eventId: 'meeting',
        }),
      ).toBe('applied');
      j.run();
      j.t = Date.parse('2026-04-09T06:00:00.000Z');
      j.run();
      expect(j.notices).toEqual([]);
      deploy();
      j.run();
      expect(j.p.liberationDate()).toBe('2026-04-10');
      expect(j.notices.map((n) => [n.subject, n.fields['liberationDate']])).toEqual([
        ['LIBERATION_DATE_CHANGED', '2026-04-10'],
      ]);
      expect(pickups()).toEqual([
        ['2026-04-09', 'CANCELLED'],
        ['2026-04-10', 'BOOKED'],
      ]);
    });

    it('adopted after the person was released on the Thursday: the release stands, nobody is told of a new date', () => {
      const { j, deploy } = plannedByS8();
      j.t = Date.parse('2026-04-09T10:00:00.000Z');
      releaseNow(j);
      const told = j.notices.map((n) => n.subject);
      deploy();
      j.advance(DAY);
      j.run();
      expect(j.p.liberationDate()).toBe('2026-04-09');
      expect(j.notices.map((n) => n.subject)).toEqual(told);
      expect(told).not.toContain('LIBERATION_DATE_CHANGED');
    });
  });
});
