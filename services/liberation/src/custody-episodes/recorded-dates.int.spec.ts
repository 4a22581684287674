import { ReleaseDateChangedV1 } from '@throughcare/contracts';
import { auditRecordsAbout } from '@throughcare/platform-audit/src/testing';
import type { EpisodeView } from './custody-episode.schemas';
import type {
  RecordedDatesOutcomeView,
  RecordedDatesPage,
  RecordedDatesView,
} from './recorded-dates.schemas';
import type { SentenceCalculationOutcomeView, SentenceCalculationView } from './sentence-calculation.schemas';
import {
  aReception,
  daysFrom,
  minutesAgo,
  personIdOf,
  prisonStaff,
  useLiberation,
  type Problem,
} from './spec-support';

// Issue 10, recorded dates: prison staff record the official dates of sentences this platform
// does not calculate (a Scottish long-term sentence, an extended sentence, a recall), or the
// prison's own official calculation; the recorded release date takes precedence over a calculated
// one, and moves the expected release date exactly as a calculation does (RECALCULATION,
// custody.release-date.changed, the journey re-plans).

describe('liberation: recorded official sentence dates of a custody episode', () => {
  const ctx = useLiberation();
  const day = daysFrom(Date.now());

  const path = (personId: string) => `/people/${personId}/episodes/1/recorded-dates`;
  const record = (personId: string, body: unknown, headers: Record<string, string> = {}) =>
    ctx.lib.post(path(personId), body, headers);
  const episodeView = async (personId: string) =>
    (await (await ctx.lib.get(`/people/${personId}/episodes/1`)).json()) as EpisodeView;

  async function aScottishEpisode() {
    const reception = aReception({ sentenceDate: day(-10), expectedReleaseDate: day(100) });
    expect((await ctx.lib.post('/receptions', reception)).status).toBe(201);
    return personIdOf(reception.prisonNumber);
  }

  async function anEnglishEpisode() {
    const reception = aReception({
      establishmentCode: 'LEI',
      jurisdiction: 'ENGLAND_AND_WALES',
      homeLocalAuthority: 'E08000035',
      receivedAt: minutesAgo(600),
      sentenceDate: day(-10),
      expectedReleaseDate: day(200),
    });
    expect((await ctx.lib.post('/receptions', reception)).status).toBe(201);
    return personIdOf(reception.prisonNumber);
  }

  const fromPrison = (type: string, date: string, sourceReference = 'calc 1') => ({
    type,
    date,
    source: 'ESTABLISHMENT_CALCULATION',
    sourceReference,
  });
  const longTerm = (crd = day(700)) => ({
    recordedBecause: 'SCOTLAND_LONG_TERM',
    dates: [fromPrison('PED', day(400)), fromPrison('CRD', crd), fromPrison('SED', day(900))],
  });

  it('records a Scottish long-term sentence (201): each date explained as recorded with its source; the CRD moves the expected release date as a RECALCULATION and is displayed', async () => {
    const personId = await aScottishEpisode();
    // The platform does not calculate it: a 5-year sentence is refused, never guessed.
    const refused = await ctx.lib.post(`/people/${personId}/episodes/1/sentence-calculations`, {
      sentences: [{ id: 'charge-1', sentenceDate: day(-10), term: { years: 5 } }],
    });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as Problem).code).toBe('SENTENCE_NOT_CALCULATED');

    const response = await record(personId, longTerm(), { 'x-correlation-id': 'spec-recorded-scot' });
    expect(response.status).toBe(201);
    expect(response.headers.get('etag')).toBe('"recorded-dates-v1"');
    const view = (await response.json()) as RecordedDatesOutcomeView;
    expect(view).toMatchObject({
      personId,
      episode: 1,
      version: 1,
      jurisdiction: 'SCOTLAND',
      recordedBecause: 'SCOTLAND_LONG_TERM',
      releaseDate: { type: 'CRD', date: day(700) },
      calculatedReleaseDate: null,
      effect: {
        expectedReleaseDateBefore: day(100),
        expectedReleaseDateAfter: day(700),
        changesExpectedReleaseDate: true,
        keptBecause: null,
        decisionSetAsideBecause: null,
      },
    });
    expect(view.dates.map((d) => [d.type, d.date, d.source])).toEqual([
      ['PED', day(400), 'ESTABLISHMENT_CALCULATION'],
      ['CRD', day(700), 'ESTABLISHMENT_CALCULATION'],
      ['SED', day(900), 'ESTABLISHMENT_CALCULATION'],
    ]);
    for (const d of view.dates) {
      expect(d.explanation).toMatchObject({
        kind: 'RECORDED',
        source: 'ESTABLISHMENT_CALCULATION',
        sourceReference: 'calc 1',
        recordedBy: view.recordedBy,
        recordedAt: view.recordedAt,
      });
      expect(d.explanation.steps[0]).toBe(
        `Recorded, not calculated: the ${d.type} ${d.date} as given by the establishment's own calculation system (calc 1).`,
      );
      expect(d.explanation.steps[1]).toMatch(/Scottish long-term sentence/);
      expect(d.explanation.unverified[0]).toMatch(/did not calculate this date/);
    }

    const episode = await episodeView(personId);
    expect(episode.expectedReleaseDate).toBe(day(700));
    expect(episode.displayedReleaseDate).toEqual({ type: 'CRD', date: day(700) });
    expect(episode.releaseDateSources).toEqual({
      calculated: null,
      recorded: { type: 'CRD', date: day(700) },
      recordedDatesVersion: 1,
    });
    expect(episode.releaseDateChanges.at(-1)).toMatchObject({
      expectedReleaseDate: day(700),
      reason: 'RECALCULATION',
    });
    const events = await ctx.lib.eventsOnBus('custody.release-date.changed', personId);
    expect(events).toHaveLength(1);
    expect(ReleaseDateChangedV1.parse(events[0])).toMatchObject({
      correlationId: 'spec-recorded-scot',
      data: {
        episode: 1,
        expectedReleaseDate: day(700),
        previousExpectedReleaseDate: day(100),
        reason: 'RECALCULATION',
      },
    });

    const current = await ctx.lib.get(`${path(personId)}/current`);
    expect(current.status).toBe(200);
    expect(current.headers.get('etag')).toBe('"recorded-dates-v1"');
    expect(((await current.json()) as RecordedDatesView).dates).toEqual(view.dates);
    // Audited as a change about the person.
    const audit = await auditRecordsAbout(ctx.lib.dataSource, 'liberation', personId);
    expect(audit.map((r) => r.action)).toEqual(
      expect.arrayContaining(['recorded-dates.record', 'recorded-dates.read']),
    );

    // Version 2 gives no release date (only the PED): the date stays, still typed as the recorded
    // CRD that moved it, not as a calculated ARD (review stop 42, N5).
    const v2 = await record(
      personId,
      { recordedBecause: 'SCOTLAND_LONG_TERM', dates: [fromPrison('PED', day(400), 'calc 2')] },
      { 'if-match': '"recorded-dates-v1"' },
    );
    expect(v2.status).toBe(201);
    const after = await episodeView(personId);
    expect(after.expectedReleaseDate).toBe(day(700));
    expect(after.displayedReleaseDate).toEqual({ type: 'CRD', date: day(700) });
    expect(after.releaseDateSources).toMatchObject({ recorded: null, recordedDatesVersion: 2 });
  });

  it('a PED alone is recorded and shown, moves nothing (eligibility is never a release date) and emits nothing', async () => {
    const personId = await aScottishEpisode();
    const response = await record(personId, {
      recordedBecause: 'SCOTLAND_LONG_TERM',
      dates: [fromPrison('PED', day(400))],
    });
    expect(response.status).toBe(201);
    expect((await response.json()) as RecordedDatesOutcomeView).toMatchObject({
      releaseDate: null,
      effect: { expectedReleaseDateAfter: day(100), changesExpectedReleaseDate: false },
    });
    const episode = await episodeView(personId);
    expect(episode.expectedReleaseDate).toBe(day(100));
    expect(episode.displayedReleaseDate).toBeNull();
    expect(episode.releaseDateSources).toEqual({ calculated: null, recorded: null, recordedDatesVersion: 1 });
    expect(await ctx.lib.outboxRows('custody.release-date.changed', personId)).toHaveLength(0);
  });

  it('refuses dates out of order or in impossible combinations (400, a code, naming the fields); nothing is recorded', async () => {
    const personId = await aScottishEpisode();
    const refusal = async (body: unknown) => {
      const response = await record(personId, body);
      expect(response.status).toBe(400);
      const problem = (await response.json()) as Problem;
      return { code: problem.code, fields: problem.errors?.map((e) => e.field) };
    };
    const scot = (dates: unknown[], recordedBecause = 'SCOTLAND_LONG_TERM') => ({ recordedBecause, dates });
    expect(await refusal(scot([fromPrison('CRD', day(300)), fromPrison('PED', day(400))]))).toEqual({
      code: 'RECORDED_DATES_OUT_OF_ORDER',
      fields: ['dates.1.date', 'dates.0.date'],
    });
    expect(await refusal(scot([fromPrison('SED', day(300)), fromPrison('CRD', day(400))]))).toEqual({
      code: 'RECORDED_DATES_OUT_OF_ORDER',
      fields: ['dates.1.date', 'dates.0.date'],
    });
    expect(await refusal(scot([fromPrison('CRD', day(300)), fromPrison('ARD', day(300))]))).toEqual({
      code: 'RECORDED_DATES_IMPOSSIBLE',
      fields: ['dates.1.type'],
    });
    expect(await refusal(scot([fromPrison('SED', day(900)), fromPrison('TUSED', day(1300))]))).toEqual({
      code: 'RECORDED_DATES_IMPOSSIBLE',
      fields: ['dates.1.type'],
    });
    expect(await refusal(scot([fromPrison('SLED', day(900)), fromPrison('LED', day(900))]))).toEqual({
      code: 'RECORDED_DATES_IMPOSSIBLE',
      fields: ['dates.1.type'],
    });
    expect(await refusal(scot([fromPrison('PED', day(400))], 'ENGLAND_AND_WALES_EXTENDED'))).toEqual({
      code: 'RECORDED_DATES_IMPOSSIBLE',
      fields: ['recordedBecause'],
    });
    expect(
      await refusal(
        scot([fromPrison('PED', day(400)), fromPrison('SED', day(900))], 'SCOTLAND_INDETERMINATE'),
      ),
    ).toEqual({
      code: 'RECORDED_DATES_IMPOSSIBLE',
      fields: ['dates.1.type'],
    });
    expect(await refusal(scot([fromPrison('PED', day(400)), fromPrison('PED', day(401))]))).toEqual({
      code: 'RECORDED_DATES_INVALID',
      fields: ['dates.1.type'],
    });
    expect(await refusal(scot([{ type: 'PED', date: day(400), source: 'OTHER' }]))).toEqual({
      code: 'RECORDED_DATES_INVALID',
      fields: ['dates.0.sourceReference'],
    });
    // A decision is a release-date change, not a recorded date.
    expect(await refusal(scot([fromPrison('APD', day(400))]))).toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: ['dates.0.type'],
    });
    expect(await refusal(scot([]))).toMatchObject({ code: 'VALIDATION_FAILED', fields: ['dates'] });
    expect((await ctx.lib.get(`${path(personId)}/current`)).status).toBe(404);
    expect(((await (await ctx.lib.get(path(personId))).json()) as RecordedDatesPage).items).toEqual([]);
  });

  it('keeps versions: If-Match names the current one (412 otherwise); an Idempotency-Key answers a retry (200) and refuses another body (422); the list pages newest first', async () => {
    const personId = await aScottishEpisode();
    const key = { 'idempotency-key': `spec-recorded-${personId}` };
    expect((await record(personId, longTerm(), key)).status).toBe(201);
    const retry = await record(personId, longTerm(), key);
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as RecordedDatesOutcomeView).version).toBe(1);
    const reused = await record(personId, longTerm(day(701)), key);
    expect(reused.status).toBe(422);
    expect(((await reused.json()) as Problem).code).toBe('IDEMPOTENCY_KEY_REUSED');

    const second = await record(personId, longTerm(day(650)), { 'if-match': '"recorded-dates-v1"' });
    expect(second.status).toBe(201);
    expect(second.headers.get('etag')).toBe('"recorded-dates-v2"');
    const stale = await record(personId, longTerm(day(600)), { 'if-match': '"recorded-dates-v1"' });
    expect(stale.status).toBe(412);
    expect((await episodeView(personId)).expectedReleaseDate).toBe(day(650));

    const page1 = (await (await ctx.lib.get(`${path(personId)}?limit=1`)).json()) as RecordedDatesPage;
    expect(page1.items.map((v) => v.version)).toEqual([2]);
    expect(page1.nextCursor).not.toBeNull();
    const page2 = (await (
      await ctx.lib.get(`${path(personId)}?limit=1&cursor=${page1.nextCursor}`)
    ).json()) as RecordedDatesPage;
    expect(page2.items.map((v) => v.version)).toEqual([1]);
    expect(page2.nextCursor).toBeNull();
    const v1 = await ctx.lib.get(`${path(personId)}/1`);
    expect(v1.status).toBe(200);
    expect(((await v1.json()) as RecordedDatesView).releaseDate).toEqual({ type: 'CRD', date: day(700) });
    expect((await ctx.lib.get(`${path(personId)}/3`)).status).toBe(404);
    // Two moves, two events: 100 → 700 → 650.
    expect(await ctx.lib.outboxRows('custody.release-date.changed', personId)).toHaveLength(2);
  });

  it("England & Wales: the prison's official CRD takes precedence over the calculated one, which is kept with its explanation; a later calculation moves nothing", async () => {
    const personId = await anEnglishEpisode();
    const sds = (remandDays: number) => ({
      sentences: [{ id: 'count-1', sentenceDate: day(-10), offenceDate: day(-200), term: { days: 1000 } }],
      remandDays,
    });
    const calculated = await ctx.lib.post(`/people/${personId}/episodes/1/sentence-calculations`, sds(0));
    expect(calculated.status).toBe(201);
    const crd = day(-10 + 399);
    expect((await episodeView(personId)).displayedReleaseDate).toEqual({ type: 'CRD', date: crd });

    const official = await record(personId, {
      recordedBecause: 'OFFICIAL_CALCULATION',
      dates: [fromPrison('CRD', day(380)), fromPrison('SLED', day(980))],
    });
    expect(official.status).toBe(201);
    expect((await official.json()) as RecordedDatesOutcomeView).toMatchObject({
      releaseDate: { type: 'CRD', date: day(380) },
      calculatedReleaseDate: { type: 'CRD', date: crd, sentenceCalculationVersion: 1 },
      effect: {
        expectedReleaseDateBefore: crd,
        expectedReleaseDateAfter: day(380),
        changesExpectedReleaseDate: true,
      },
    });
    const episode = await episodeView(personId);
    expect(episode.displayedReleaseDate).toEqual({ type: 'CRD', date: day(380) });
    expect(episode.releaseDateSources).toEqual({
      calculated: { type: 'CRD', date: crd },
      recorded: { type: 'CRD', date: day(380) },
      recordedDatesVersion: 1,
    });
    // The calculation stands as recorded, with its explanation.
    const stillCalculated = (await (
      await ctx.lib.get(`/people/${personId}/episodes/1/sentence-calculations/current`)
    ).json()) as SentenceCalculationView;
    expect(stillCalculated.releaseDate?.date).toBe(crd);
    expect(stillCalculated.dates.find((d) => d.type === 'CRD')?.explanation.steps.length).toBeGreaterThan(0);

    // A new calculation (remand found) is recorded but does not move the official date.
    const recalculated = await ctx.lib.post(`/people/${personId}/episodes/1/sentence-calculations`, sds(5), {
      'if-match': '"sentence-v1"',
    });
    expect(recalculated.status).toBe(201);
    const outcome = (await recalculated.json()) as SentenceCalculationOutcomeView;
    expect(outcome.releaseDate?.date).toBe(day(-10 + 399 - 5));
    expect(outcome.effect).toMatchObject({
      changesExpectedReleaseDate: false,
      expectedReleaseDateAfter: day(380),
    });
    expect(outcome.effect.keptBecause).toMatch(/recorded official CRD .* takes precedence/);
    expect((await episodeView(personId)).displayedReleaseDate).toEqual({ type: 'CRD', date: day(380) });
    // Two moves only: the calculation's, then the recording's.
    expect(await ctx.lib.outboxRows('custody.release-date.changed', personId)).toHaveLength(2);
  });

  it('an HDC decision on or before the recorded CRD stands (kept); one after it is set aside; a passed date is due now (422) and records nothing', async () => {
    const personId = await aScottishEpisode();
    expect(
      (
        await ctx.lib.post(`/people/${personId}/episodes/1/release-date`, {
          expectedReleaseDate: day(90),
          reason: 'HDC_APPROVED',
        })
      ).status,
    ).toBe(201);
    const kept = await record(personId, longTerm(day(700)));
    expect(kept.status).toBe(201);
    const keptView = (await kept.json()) as RecordedDatesOutcomeView;
    expect(keptView.effect).toMatchObject({
      changesExpectedReleaseDate: false,
      expectedReleaseDateAfter: day(90),
    });
    expect(keptView.effect.keptBecause).toMatch(/HDC_APPROVED decision .* does not undo it/);
    expect((await episodeView(personId)).displayedReleaseDate).toEqual({ type: 'HDCAD', date: day(90) });

    const earlier = {
      recordedBecause: 'SCOTLAND_LONG_TERM',
      dates: [fromPrison('PED', day(40)), fromPrison('CRD', day(80)), fromPrison('SED', day(900))],
    };
    const setAside = await record(personId, earlier, { 'if-match': '"recorded-dates-v1"' });
    expect(setAside.status).toBe(201);
    const setAsideView = (await setAside.json()) as RecordedDatesOutcomeView;
    expect(setAsideView.effect).toMatchObject({
      changesExpectedReleaseDate: true,
      expectedReleaseDateAfter: day(80),
    });
    expect(setAsideView.effect.decisionSetAsideBecause).toMatch(
      /cannot stand: its date is after the recorded CRD/,
    );
    expect((await episodeView(personId)).displayedReleaseDate).toEqual({ type: 'CRD', date: day(80) });

    const passed = await record(personId, {
      recordedBecause: 'SCOTLAND_LONG_TERM',
      dates: [fromPrison('CRD', day(-1)), fromPrison('SED', day(900))],
    });
    expect(passed.status).toBe(422);
    const problem = (await passed.json()) as Problem & { recordedReleaseDate?: unknown };
    expect(problem.code).toBe('RELEASE_DUE_NOW');
    expect(problem.recordedReleaseDate).toEqual({ type: 'CRD', date: day(-1) });
    expect(
      ((await (await ctx.lib.get(`${path(personId)}/current`)).json()) as RecordedDatesView).version,
    ).toBe(2);
    // A release date this build cannot plan (beyond its bank-holiday calendar) is refused, as a calculated one is.
    const unplannable = await record(personId, {
      recordedBecause: 'SCOTLAND_LONG_TERM',
      dates: [fromPrison('PED', '2090-01-02'), fromPrison('CRD', '2095-01-02')],
    });
    expect(unplannable.status).toBe(422);
    const unplannableProblem = (await unplannable.json()) as Problem;
    expect(unplannableProblem.code).toBe('RECORDED_RELEASE_DATE_UNPLANNABLE');
    expect(unplannableProblem.detail).toMatch(/CRD 2095-01-02 cannot be planned/);
    expect(
      ((await (await ctx.lib.get(`${path(personId)}/current`)).json()) as RecordedDatesView).version,
    ).toBe(2);
  });

  it("answers 404 for an episode held in another establishment's prison, recording nothing", async () => {
    const personId = await aScottishEpisode();
    const elsewhere = await ctx.lib.post(path(personId), longTerm(), {}, prisonStaff('LEI'));
    expect(elsewhere.status).toBe(404);
    expect(((await elsewhere.json()) as Problem).code).toBe('EPISODE_NOT_FOUND');
    expect((await ctx.lib.get(`${path(personId)}/current`)).status).toBe(404);
  });
});
