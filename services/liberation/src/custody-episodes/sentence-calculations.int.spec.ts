import { ReleaseDateChangedV1 } from '@throughcare/contracts';
import type { EpisodePage, EpisodeView } from './custody-episode.schemas';
import type {
  SentenceCalculationOutcomeView,
  SentenceCalculationPage,
  SentenceCalculationView,
} from './sentence-calculation.schemas';
import { aReception, daysFrom, minutesAgo, personIdOf, useLiberation, type Problem } from './spec-support';

// Issue 10: prison staff record an episode's sentences and read the dates calculated from them,
// each explained; a changed release date re-plans the journey through custody.release-date.changed.
// Worked examples use terms in days, so the arithmetic is plain: release at 40% of a 1,000-day
// term falls on day 400 (CJA 2003 s.244(1A) as amended by S.I. 2024/844 in England and Wales;
// 1993 Act s.1(1) as amended by S.S.I. 2025/4 in Scotland).

describe('liberation: sentence calculations of a custody episode', () => {
  const ctx = useLiberation();
  const day = daysFrom(Date.now());

  const path = (personId: string, episode = 1) =>
    `/people/${personId}/episodes/${episode}/sentence-calculations`;
  const record = (personId: string, body: unknown, headers: Record<string, string> = {}) =>
    ctx.lib.post(path(personId), body, headers);
  const episodeView = async (personId: string) =>
    (await (await ctx.lib.get(`/people/${personId}/episodes/1`)).json()) as EpisodeView;

  /** Changes the expected release date by hand (a decision, or another reason): 201. */
  const changeDate = async (
    personId: string,
    expectedReleaseDate: string,
    reason: string,
    sentenceCalculationVersion?: number,
  ) =>
    expect(
      (
        await ctx.lib.post(`/people/${personId}/episodes/1/release-date`, {
          expectedReleaseDate,
          reason,
          ...(sentenceCalculationVersion === undefined ? {} : { sentenceCalculationVersion }),
        })
      ).status,
    ).toBe(201);

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

  async function aScottishEpisode() {
    const reception = aReception({ sentenceDate: day(-10), expectedReleaseDate: day(100) });
    expect((await ctx.lib.post('/receptions', reception)).status).toBe(201);
    return personIdOf(reception.prisonNumber);
  }

  /** A 1,000-day standard determinate sentence imposed ten days ago (offence after 1 Feb 2015). */
  const englishSds = (overrides: Record<string, unknown> = {}) => ({
    sentences: [{ id: 'count-1', sentenceDate: day(-10), offenceDate: day(-200), term: { days: 1000 } }],
    ...overrides,
  });

  /** The SDS with a second count consecutive to it (30 days unless overridden). */
  const withCount2 = (overrides: Record<string, unknown>) =>
    englishSds({
      sentences: [
        ...englishSds().sentences,
        {
          id: 'count-2',
          sentenceDate: day(-10),
          offenceDate: day(-200),
          term: { days: 30 },
          consecutiveTo: 'count-1',
          ...overrides,
        },
      ],
    });

  it('records an England & Wales SDS (201): CRD at day 400 less remand, SLED, HDCED, each explained; the release date moves', async () => {
    const personId = await anEnglishEpisode();
    const response = await record(personId, englishSds({ remandDays: 10 }), {
      'x-correlation-id': 'spec-sentence-ew',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('etag')).toBe('"sentence-v1"');
    const view = (await response.json()) as SentenceCalculationOutcomeView;
    // Day 1 is the sentence date; 10 remand days count as served, so every date is 10 days earlier.
    const crd = day(-10 + 399 - 10);
    const sled = day(-10 + 999 - 10);
    expect(view).toMatchObject({
      personId,
      episode: 1,
      version: 1,
      etag: '"sentence-v1"',
      jurisdiction: 'ENGLAND_AND_WALES',
      releaseDate: { type: 'CRD', date: crd },
      effect: {
        expectedReleaseDateBefore: day(200),
        expectedReleaseDateAfter: crd,
        changesExpectedReleaseDate: true,
      },
    });
    const byType = Object.fromEntries(view.dates.map((d) => [d.type, d]));
    expect(byType['CRD']?.date).toBe(crd);
    expect(byType['SLED']?.date).toBe(sled);
    expect(byType['HDCED']?.date).toBeDefined();
    expect(byType['HDCED']!.date < crd).toBe(true);
    for (const d of view.dates) {
      expect(d.explanation.citation).toMatch(/Act|S\.I\./);
      expect(d.explanation.url).toMatch(/^https:\/\/www\.legislation\.gov\.uk\//);
      expect(d.explanation.steps.length).toBeGreaterThan(0);
    }
    expect(byType['CRD']!.explanation.inputs).toMatchObject({ remandDays: 10, creditDays: 10 });
    expect(view.releaseDate?.liberation?.dueDate).toBe(crd);
    expect(view.releaseDate?.liberation?.rule.id).toBe('ENGLAND_AND_WALES_1961_S23_3');

    const episode = await episodeView(personId);
    expect(episode.expectedReleaseDate).toBe(crd);
    expect(episode.displayedReleaseDate).toEqual({ type: 'CRD', date: crd });
    expect(episode.releaseDateChanges.at(-1)).toMatchObject({
      expectedReleaseDate: crd,
      reason: 'RECALCULATION',
    });
    const events = await ctx.lib.eventsOnBus('custody.release-date.changed', personId);
    expect(events).toHaveLength(1);
    expect(ReleaseDateChangedV1.parse(events[0])).toMatchObject({
      correlationId: 'spec-sentence-ew',
      data: {
        episode: 1,
        expectedReleaseDate: crd,
        previousExpectedReleaseDate: day(200),
        reason: 'RECALCULATION',
      },
    });

    const current = await ctx.lib.get(`${path(personId)}/current`);
    expect(current.status).toBe(200);
    expect(current.headers.get('etag')).toBe('"sentence-v1"');
    const currentView = (await current.json()) as SentenceCalculationView;
    expect(currentView.dates).toEqual(view.dates);
    expect(currentView.input).toEqual(englishSds({ remandDays: 10 }));
    expect(currentView.recordedBy).toEqual(expect.any(String));
  });

  it('records additional, restored and unlawfully-at-large days (E&W): CRD and HDCED later by the net additional days, every date later by the days at large, each explained; refused in Scotland (400 naming the field)', async () => {
    const personId = await anEnglishEpisode();
    const body = englishSds({ additionalDaysAwarded: 14, restoredDays: 5, unlawfullyAtLargeDays: 3 });
    const response = await record(personId, body);
    expect(response.status).toBe(201);
    const view = (await response.json()) as SentenceCalculationOutcomeView;
    // 3 days at large do not count (Prison Act 1952 s.49(2)): day 1 is the sentence date + 3.
    // CRD: 40% of 1,000 = day 400, + 14 − 5 = 9 additional days (CJA 2003 s.257(2)(a)) = day 409.
    // SLED: day 1,000 (not moved by additional days). HDCED: custodial period 400 without the
    // additional days; max(28, 200, 400 − 365 + 1) = day 200, + 9 = day 209. No TUSED (2 years or more).
    const first = -10 + 3;
    const crd = day(first + 409 - 1);
    const byType = Object.fromEntries(view.dates.map((d) => [d.type, d]));
    expect(view.releaseDate).toMatchObject({ type: 'CRD', date: crd });
    expect(byType['CRD']?.date).toBe(crd);
    expect(byType['SLED']?.date).toBe(day(first + 1000 - 1));
    expect(byType['HDCED']?.date).toBe(day(first + 209 - 1));
    expect((await episodeView(personId)).expectedReleaseDate).toBe(crd);

    const explanation = byType['CRD']!.explanation;
    expect(explanation.inputs).toMatchObject({
      additionalDaysAwarded: 14,
      restoredDays: 5,
      unlawfullyAtLargeDays: 3,
    });
    expect(explanation.citation).toContain('Criminal Justice Act 2003 s.257(2)(a)');
    expect(explanation.citation).toContain('Prison Act 1952 s.49(2)');
    expect(explanation.steps).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          '14 awarded (Prison Rules 1999 r.55A) less 5 restored (remitted in accordance with prison rules) = 9 days extend the period to be served before release and before eligibility for release (CJA 2003 s.257(2)(a), https://www.legislation.gov.uk/ukpga/2003/44/section/257)',
        ),
        expect.stringContaining('400 days + 9 additional days'),
        expect.stringContaining(
          'unlawfully at large: 3 days do not count as time served (Prison Act 1952 s.49(2), https://www.legislation.gov.uk/ukpga/Geo6and1Eliz2/15-16/52/section/49)',
        ),
      ]),
    );
    expect(byType['SLED']!.explanation.steps.join('\n')).toContain(
      'do not move the sentence and licence expiry date',
    );
    expect(byType['HDCED']!.explanation.steps.join('\n')).toContain('day 200 + 9 = day 209');
    expect(
      ((await (await ctx.lib.get(`${path(personId)}/current`)).json()) as SentenceCalculationView).input,
    ).toEqual(body);

    const problem = async (response: Response) => ({
      ...((await response.json()) as Problem),
      status: response.status,
    });
    const moreRestored = await problem(
      await ctx.lib.post(
        `${path(personId)}/preview`,
        englishSds({ additionalDaysAwarded: 2, restoredDays: 3 }),
      ),
    );
    expect(moreRestored).toMatchObject({ status: 400, code: 'SENTENCE_INPUT_INVALID' });
    expect(moreRestored.errors).toEqual([{ field: 'restoredDays', message: expect.any(String) }]);

    // Time at large counts only against the sentences being served then (s.49(2)). count-2 is
    // concurrent and imposed on day −5, after 3 days at large on days −8 to −6: without the period
    // it cannot be told (400 naming the field); with it count-1 is served from day −7 (CRD day
    // −7 + 399 = 392, SLED 992) and count-2 from day −5 (CRD −5 + 399 = 394, SLED 994): count-2's
    // dates govern, unmoved (before: 397 and 997).
    const atLarge = (extra: Record<string, unknown>) =>
      englishSds({
        sentences: [
          ...englishSds().sentences,
          { id: 'count-2', sentenceDate: day(-5), offenceDate: day(-7), term: { days: 1000 } },
        ],
        unlawfullyAtLargeDays: 3,
        ...extra,
      });
    const undated = await problem(await ctx.lib.post(`${path(personId)}/preview`, atLarge({})));
    expect(undated).toMatchObject({ status: 400, code: 'SENTENCE_INPUT_INVALID' });
    expect(undated.errors).toEqual([
      { field: 'unlawfullyAtLargePeriod', message: expect.stringContaining('imposed on different days') },
    ]);
    const dated = await ctx.lib.post(
      `${path(personId)}/preview`,
      atLarge({ unlawfullyAtLargePeriod: { from: day(-8), to: day(-6) } }),
    );
    expect(dated.status).toBe(200);
    const datedView = (await dated.json()) as SentenceCalculationOutcomeView;
    expect(datedView.dates.find((d) => d.type === 'CRD')?.date).toBe(day(394));
    expect(datedView.dates.find((d) => d.type === 'SLED')?.date).toBe(day(994));

    const scottish = await aScottishEpisode();
    for (const [field, value] of [
      ['additionalDaysAwarded', 4],
      ['unlawfullyAtLargeDays', 4],
      ['unlawfullyAtLargePeriod', { from: day(-8), to: day(-6) }],
    ] as const) {
      const refused = await problem(
        await record(scottish, {
          sentences: [{ id: 'a', sentenceDate: day(-10), term: { days: 300 } }],
          [field]: value,
        }),
      );
      expect(refused).toMatchObject({ status: 400, code: 'ADJUSTMENT_NOT_APPLICABLE' });
      expect(refused.errors).toEqual([{ field, message: expect.stringContaining('Scotland') }]);
    }
    expect((await episodeView(scottish)).expectedReleaseDate).toBe(day(100));
  });

  it('records Scottish concurrent short-term sentences: one term, ARD at day 120 of 300, and the s.27(7) release-day rule', async () => {
    const personId = await aScottishEpisode();
    const response = await record(personId, {
      sentences: [
        { id: 'charge-1', sentenceDate: day(-10), term: { days: 300 } },
        { id: 'charge-2', sentenceDate: day(-10), term: { days: 200 } },
      ],
    });
    expect(response.status).toBe(201);
    const view = (await response.json()) as SentenceCalculationOutcomeView;
    const ard = day(-10 + 119);
    expect(view.releaseDate).toMatchObject({ type: 'ARD', date: ard, liberation: { dueDate: ard } });
    expect(view.releaseDate?.liberation?.rule.id).toMatch(/^SCOTLAND_/);
    expect(view.dates.find((d) => d.type === 'SED')?.date).toBe(day(-10 + 299));
    expect(view.policyIds.length).toBeGreaterThan(0);
    expect((await episodeView(personId)).expectedReleaseDate).toBe(ard);
    expect((await episodeView(personId)).displayedReleaseDate).toEqual({ type: 'ARD', date: ard });
  });

  it("shows the displayed release date's type: the calculated ARD (no change recorded), then the approved HDC date (HDCAD) over it", async () => {
    const ard = day(-10 + 119);
    // Received with the date the calculation gives: recording it moves nothing (no change row),
    // so the type comes from the calculation itself.
    const reception = aReception({ sentenceDate: day(-10), expectedReleaseDate: ard });
    expect((await ctx.lib.post('/receptions', reception)).status).toBe(201);
    const personId = personIdOf(reception.prisonNumber);
    expect((await episodeView(personId)).displayedReleaseDate).toBeNull();
    const recorded = await record(personId, {
      sentences: [{ id: 'charge-1', sentenceDate: day(-10), term: { days: 300 } }],
    });
    expect(recorded.status).toBe(201);
    const calculated = await episodeView(personId);
    expect(calculated.releaseDateChanges).toEqual([]);
    expect(calculated.displayedReleaseDate).toEqual({ type: 'ARD', date: ard });
    // The list shows it too.
    const list = (await (await ctx.lib.get(`/people/${personId}/episodes`)).json()) as EpisodePage;
    expect(list.items.map((e) => e.displayedReleaseDate)).toEqual([{ type: 'ARD', date: ard }]);

    const hdc = day(-10 + 100);
    await changeDate(personId, hdc, 'HDC_APPROVED');
    expect((await episodeView(personId)).displayedReleaseDate).toEqual({ type: 'HDCAD', date: hdc });
  });

  it('previews without recording: the same dates, version null, the would-be effect; nothing stored', async () => {
    const personId = await anEnglishEpisode();
    const preview = await ctx.lib.post(`${path(personId)}/preview`, englishSds());
    expect(preview.status).toBe(200);
    const view = (await preview.json()) as SentenceCalculationOutcomeView;
    expect(view).toMatchObject({
      version: null,
      etag: null,
      recordedAt: null,
      releaseDate: { type: 'CRD', date: day(-10 + 399) },
      effect: { changesExpectedReleaseDate: true, expectedReleaseDateBefore: day(200) },
    });
    const current = await ctx.lib.get(`${path(personId)}/current`);
    expect(current.status).toBe(404);
    expect(((await current.json()) as Problem).code).toBe('SENTENCE_CALCULATION_NOT_FOUND');
    // A registered sex offender has no HDC eligibility date (CJA 2003 s.246(4)), and says why.
    const registered = (await (
      await ctx.lib.post(`${path(personId)}/preview`, englishSds({ sexOffenderNotification: true }))
    ).json()) as SentenceCalculationOutcomeView;
    expect(registered.dates.map((d) => d.type)).not.toContain('HDCED');
    expect(registered.notApplicable.find((n) => n.type === 'HDCED')?.reason).toMatch(
      /notification requirements/,
    );
    expect((await episodeView(personId)).expectedReleaseDate).toBe(day(200));
    expect(await ctx.lib.outboxRows('custody.release-date.changed', personId)).toHaveLength(0);
  });

  it('keeps versions: If-Match must name the current one (412 otherwise, nothing recorded); the same dates again move nothing', async () => {
    const personId = await anEnglishEpisode();
    expect((await record(personId, englishSds())).status).toBe(201);
    const second = await record(personId, englishSds({ remandDays: 5 }), { 'if-match': '"sentence-v1"' });
    expect(second.status).toBe(201);
    expect(second.headers.get('etag')).toBe('"sentence-v2"');

    const stale = await record(personId, englishSds({ remandDays: 7 }), { 'if-match': '"sentence-v1"' });
    expect(stale.status).toBe(412);
    expect(await stale.json()).toMatchObject({ code: 'PRECONDITION_FAILED', currentETag: '"sentence-v2"' });
    const malformed = await record(personId, englishSds(), { 'if-match': 'sentence-v2' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as Problem).errors?.[0]?.field).toBe('if-match');

    // The v2 sentences again: a new version, but the CRD is already the expected release date.
    const third = await record(personId, englishSds({ remandDays: 5 }), { 'if-match': '*' });
    expect(third.status).toBe(201);
    expect(((await third.json()) as SentenceCalculationOutcomeView).effect).toMatchObject({
      changesExpectedReleaseDate: false,
      expectedReleaseDateAfter: day(-10 + 399 - 5),
    });
    expect(await ctx.lib.outboxRows('custody.release-date.changed', personId)).toHaveLength(2);

    const first = (await (await ctx.lib.get(`${path(personId)}?limit=2`)).json()) as SentenceCalculationPage;
    expect(first.items.map((v) => v.version)).toEqual([3, 2]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const rest = (await (
      await ctx.lib.get(`${path(personId)}?limit=2&cursor=${first.nextCursor}`)
    ).json()) as SentenceCalculationPage;
    expect(rest.items.map((v) => v.version)).toEqual([1]);
    expect(rest.nextCursor).toBeNull();
    const v1 = await ctx.lib.get(`${path(personId)}/1`);
    expect(v1.headers.get('etag')).toBe('"sentence-v1"');
    expect(((await v1.json()) as SentenceCalculationView).input).toEqual(englishSds());
    expect((await ctx.lib.get(`${path(personId)}/9`)).status).toBe(404);
  });

  /** The effect of a recording that keeps the date of a `reason` decision standing on it. */
  const keptBy = (reason: string, date: string, decisionCaveat: unknown = null) => ({
    expectedReleaseDateBefore: date,
    expectedReleaseDateAfter: date,
    changesExpectedReleaseDate: false,
    keptBecause: expect.stringMatching(
      new RegExp(`^the ${reason} decision of .* set the expected release date`),
    ),
    decisionSetAsideBecause: null,
    releaseDueNowBecause: null,
    decisionCaveat,
  });

  /** An English SDS recorded (v1), then HDC approved for `hdc`. */
  const onHdcFrom = async (hdc: string) => {
    const personId = await anEnglishEpisode();
    expect((await record(personId, englishSds())).status).toBe(201);
    await changeDate(personId, hdc, 'HDC_APPROVED');
    return personId;
  };

  it('does not undo a decision: after an HDC approval a recalculation is recorded but the date stays, and says why', async () => {
    const hdc = day(300);
    const personId = await onHdcFrom(hdc);
    // Remand found later: the CRD moves five days earlier, the HDC date stands.
    const recalculated = await record(personId, englishSds({ remandDays: 5 }), {
      'if-match': '"sentence-v1"',
    });
    expect(recalculated.status).toBe(201);
    const view = (await recalculated.json()) as SentenceCalculationOutcomeView;
    expect(view.releaseDate).toMatchObject({ type: 'CRD', date: day(-10 + 399 - 5) });
    expect(view.effect).toEqual(keptBy('HDC_APPROVED', hdc));
    expect((await episodeView(personId)).expectedReleaseDate).toBe(hdc);
    // The kept decision is what the episode shows: the approved HDC date, not the new CRD.
    expect((await episodeView(personId)).displayedReleaseDate).toEqual({ type: 'HDCAD', date: hdc });
    // One change from the first recording, one the HDC decision: none from the recalculation.
    expect(await ctx.lib.outboxRows('custody.release-date.changed', personId)).toHaveLength(2);
  });

  it.each([
    {
      // Remand found later puts the CRD before the approved HDC date: nobody is held past the CRD.
      case: 'the new CRD is before the HDC date',
      hdc: day(300),
      change: { remandDays: 150 },
      because: /cannot stand: its date is after the calculated CRD/,
    },
    {
      // A longer sentence puts the HDC eligibility date after an approved date near the first one.
      case: 'the new HDCED is after the HDC date',
      hdc: day(100),
      change: { sentences: [{ ...englishSds().sentences[0], term: { days: 1300 } }] },
      because: /cannot stand: the new HDC eligibility date \d{4}-\d{2}-\d{2} is after the approved date/,
    },
    {
      // Notification requirements found later: no HDC at all.
      case: 'HDC is no longer available',
      hdc: day(300),
      change: { sexOffenderNotification: true },
      because:
        /cannot stand: the new calculation gives no HDC eligibility date \(.*notification requirements/,
    },
  ])(
    'sets an HDC decision aside when it cannot stand ($case): the date moves to the calculated one, for review',
    async ({ hdc, change, because }) => {
      const personId = await onHdcFrom(hdc);
      const recalculated = await record(personId, englishSds(change), { 'if-match': '"sentence-v1"' });
      expect(recalculated.status).toBe(201);
      const view = (await recalculated.json()) as SentenceCalculationOutcomeView;
      const crd = view.releaseDate!.date;
      expect(crd).not.toBe(hdc);
      expect(view.effect).toEqual({
        expectedReleaseDateBefore: hdc,
        expectedReleaseDateAfter: crd,
        changesExpectedReleaseDate: true,
        keptBecause: null,
        decisionSetAsideBecause: expect.stringMatching(because),
        releaseDueNowBecause: null,
        decisionCaveat: null,
      });
      expect(view.effect.decisionSetAsideBecause).toMatch(
        /^the HDC_APPROVED decision of .*Review the decision$/,
      );
      expect((await episodeView(personId)).expectedReleaseDate).toBe(crd);
      // The first recording, the HDC decision, and the recalculation that set it aside.
      expect(await ctx.lib.outboxRows('custody.release-date.changed', personId)).toHaveLength(3);
    },
  );

  /** An English SDS recorded (v1), then `reason` decided for `date` (on the v1 sentences). */
  const decidedFor = async (reason: string, date: string, personId?: string) => {
    const id = personId ?? (await anEnglishEpisode());
    expect((await record(id, englishSds())).status).toBe(201);
    await changeDate(id, date, reason, reason === 'HDC_APPROVED' ? undefined : 1);
    return id;
  };

  it.each(['PAROLE', 'EARLY_RELEASE'])(
    'keeps a %s decision when the sentences and the release date are those it was made on',
    async (reason) => {
      const decided = day(300);
      const personId = await decidedFor(reason, decided);
      // The same sentences recorded again (e.g. a correction of nothing that matters to the date).
      const again = await record(personId, englishSds(), { 'if-match': '"sentence-v1"' });
      expect(again.status).toBe(201);
      const view = (await again.json()) as SentenceCalculationOutcomeView;
      expect(view.releaseDate).toMatchObject({ type: 'CRD', date: day(-10 + 399) });
      expect(view.effect).toEqual(keptBy(reason, decided));
      expect((await episodeView(personId)).expectedReleaseDate).toBe(decided);
    },
  );

  it.each(['PAROLE', 'EARLY_RELEASE'])(
    'sets a %s decision aside after a consecutive sentence is added: made on another sentence, for review (preview and record)',
    async (reason) => {
      const decided = day(300);
      const personId = await decidedFor(reason, decided);
      const lengthened = withCount2({ sentenceDate: day(-5), term: { days: 200 } });
      const preview = (await (
        await ctx.lib.post(`${path(personId)}/preview`, lengthened)
      ).json()) as SentenceCalculationOutcomeView;
      const crd = preview.releaseDate!.date;
      // Still on or after the decision's date: only what the decision was made on sets it aside.
      expect(crd > decided).toBe(true);
      const setAside = {
        expectedReleaseDateBefore: decided,
        expectedReleaseDateAfter: crd,
        changesExpectedReleaseDate: true,
        keptBecause: null,
        decisionSetAsideBecause: expect.stringMatching(
          new RegExp(
            `^the ${reason} decision of .* cannot stand: it was made on the sentences of calculation version 1; since then sentence count-2 was added; the expected release date moves to the calculated CRD ${crd}\\. Review the decision$`,
          ),
        ),
        releaseDueNowBecause: null,
        decisionCaveat: null,
      };
      expect(preview.effect).toEqual(setAside);
      expect((await episodeView(personId)).expectedReleaseDate).toBe(decided);

      const recorded = await record(personId, lengthened, { 'if-match': '"sentence-v1"' });
      expect(recorded.status).toBe(201);
      expect(((await recorded.json()) as SentenceCalculationOutcomeView).effect).toEqual(setAside);
      expect((await episodeView(personId)).expectedReleaseDate).toBe(crd);
      // The first recording, the decision, and the recalculation that set it aside.
      expect(await ctx.lib.outboxRows('custody.release-date.changed', personId)).toHaveLength(3);
    },
  );

  it('keeps a PAROLE decision made before any calculation, flagged: what it was made on is not recorded here (review S2)', async () => {
    const personId = await anEnglishEpisode();
    const decided = day(150);
    await changeDate(personId, decided, 'PAROLE');
    // The reception's expected date was day 200; the sentences recorded give day 389.
    const recorded = await record(personId, englishSds());
    expect(recorded.status).toBe(201);
    expect(((await recorded.json()) as SentenceCalculationOutcomeView).effect).toEqual(
      keptBy(
        'PAROLE',
        decided,
        expect.stringMatching(
          /^the sentences PAROLE was decided on are not recorded here \(it was recorded before any sentence calculation\): it is kept; check/,
        ),
      ),
    );
    expect((await episodeView(personId)).expectedReleaseDate).toBe(decided);
  });

  it('changes the release date under If-Match (audit of issue 10, B5): GET gives its tag, a stale one is 412 and changes nothing, a calculation that moves the date moves the tag', async () => {
    const personId = await anEnglishEpisode();
    const episodePath = `/people/${personId}/episodes/1`;
    const read = await ctx.lib.get(episodePath);
    const v0 = read.headers.get('etag');
    expect(v0).toBe('"release-date-v0"');
    // Officer A moves it, from what they read.
    const a = await ctx.lib.post(
      `${episodePath}/release-date`,
      { expectedReleaseDate: day(150), reason: 'OTHER' },
      { 'if-match': v0! },
    );
    expect(a.status).toBe(201);
    expect(a.headers.get('etag')).toBe('"release-date-v1"');
    // Officer B, from the same reading: refused, naming the current tag; nothing changes.
    const b = await ctx.lib.post(
      `${episodePath}/release-date`,
      { expectedReleaseDate: day(160), reason: 'OTHER' },
      { 'if-match': v0! },
    );
    expect(b.status).toBe(412);
    expect((await b.json()) as Problem & { currentETag?: string }).toMatchObject({
      code: 'PRECONDITION_FAILED',
      currentETag: '"release-date-v1"',
    });
    expect((await episodeView(personId)).expectedReleaseDate).toBe(day(150));
    // A malformed If-Match is a 400 naming it; none at all is unconditional (optional).
    const malformed = await ctx.lib.post(
      `${episodePath}/release-date`,
      { expectedReleaseDate: day(160), reason: 'OTHER' },
      { 'if-match': 'release-date-v1' },
    );
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as Problem).errors?.map((e) => e.field)).toEqual(['if-match']);
    // A calculation that moves the date changes the tag too.
    expect((await record(personId, englishSds())).status).toBe(201);
    const after = await ctx.lib.get(episodePath);
    expect(after.headers.get('etag')).toBe('"release-date-v2"');
    const stale = await ctx.lib.post(
      `${episodePath}/release-date`,
      { expectedReleaseDate: day(160), reason: 'OTHER' },
      { 'if-match': '"release-date-v1"' },
    );
    expect(stale.status).toBe(412);
    const current = await ctx.lib.post(
      `${episodePath}/release-date`,
      { expectedReleaseDate: day(160), reason: 'OTHER' },
      { 'if-match': '"release-date-v2"' },
    );
    expect(current.status).toBe(201);
    expect(
      (await ctx.lib.post(`${episodePath}/release-date`, { expectedReleaseDate: day(170), reason: 'OTHER' }))
        .status,
    ).toBe(201);

    // Documented: the If-Match header and the 412.
    type Operation = {
      parameters?: Array<{ name: string; in: string }>;
      responses: Record<string, { description: string }>;
    };
    const doc = (await (await ctx.lib.get('/docs-json', 'nobody')).json()) as {
      paths: Record<string, Record<string, Operation>>;
    };
    const change = doc.paths['/people/{personId}/episodes/{episode}/release-date']!['post']!;
    expect(change.parameters?.find((p) => p.name === 'If-Match')).toMatchObject({ in: 'header' });
    expect(change.responses['412']!.description).toEqual(expect.stringContaining('PRECONDITION_FAILED'));
    expect(doc.paths['/people/{personId}/episodes/{episode}']!['get']!.responses['200']!.description).toEqual(
      expect.stringContaining('ETag'),
    );
  });

  describe('a PAROLE or EARLY_RELEASE decision names the calculation version it was made on (review of stop 39, M4)', () => {
    const decide = (personId: string, body: Record<string, unknown>) =>
      ctx.lib.post(`/people/${personId}/episodes/1/release-date`, body);
    const problemOf = async (r: Response) => (await r.json()) as Problem & { fields?: string[] };
    const basisOf = async (personId: string) =>
      ctx.lib.dataSource.transaction(async (tx) => {
        await tx.query(`SELECT set_config('throughcare.unrestricted', 'on', true)`);
        return (
          (await tx.query(
            `SELECT reason, sentence_calculation_version AS version FROM liberation.release_date_change WHERE person_id = $1 ORDER BY change_number`,
            [personId],
          )) as Array<{ reason: string; version: number | null }>
        ).map((r) => [r.reason, r.version]);
      });

    it('is required once a calculation exists (422 naming the field), must be one of the episode, and goes with PAROLE or EARLY_RELEASE only (400)', async () => {
      const personId = await anEnglishEpisode();
      expect((await record(personId, englishSds())).status).toBe(201);
      for (const reason of ['PAROLE', 'EARLY_RELEASE']) {
        const missing = await decide(personId, { expectedReleaseDate: day(300), reason });
        expect(missing.status).toBe(422);
        expect(await problemOf(missing)).toMatchObject({
          code: 'SENTENCE_CALCULATION_VERSION_REQUIRED',
          fields: ['sentenceCalculationVersion'],
        });
      }
      const unknown = await decide(personId, {
        expectedReleaseDate: day(300),
        reason: 'PAROLE',
        sentenceCalculationVersion: 2,
      });
      expect(unknown.status).toBe(422);
      expect(await problemOf(unknown)).toMatchObject({
        code: 'SENTENCE_CALCULATION_VERSION_UNKNOWN',
        fields: ['sentenceCalculationVersion'],
      });
      const hdc = await decide(personId, {
        expectedReleaseDate: day(300),
        reason: 'HDC_APPROVED',
        sentenceCalculationVersion: 1,
      });
      expect(hdc.status).toBe(400);
      expect((await problemOf(hdc)).errors?.map((e) => e.field)).toEqual(['sentenceCalculationVersion']);
      // Nothing recorded but the first calculation's own change.
      expect(await basisOf(personId)).toEqual([['RECALCULATION', null]]);
    });

    it('made on v1 and recorded after v2 added a sentence: 409 DECISION_MADE_ON_OTHER_SENTENCES (PAROLE and EARLY_RELEASE), nothing recorded', async () => {
      const personId = await anEnglishEpisode();
      expect((await record(personId, englishSds())).status).toBe(201);
      expect((await record(personId, withCount2({}), { 'if-match': '"sentence-v1"' })).status).toBe(201);
      for (const reason of ['PAROLE', 'EARLY_RELEASE']) {
        const stale = await decide(personId, {
          expectedReleaseDate: day(300),
          reason,
          sentenceCalculationVersion: 1,
        });
        expect([reason, stale.status]).toEqual([reason, 409]);
        expect(await problemOf(stale)).toMatchObject({
          code: 'DECISION_MADE_ON_OTHER_SENTENCES',
          latestVersion: 2,
          detail: expect.stringContaining('sentence count-2 was added'),
        });
      }
      expect(await basisOf(personId)).toEqual([
        ['RECALCULATION', null],
        ['RECALCULATION', null],
      ]);
      // Decided on the latest sentences, it is recorded on them.
      await changeDate(personId, day(300), 'PAROLE', 2);
      expect((await basisOf(personId)).at(-1)).toEqual(['PAROLE', 2]);
    });

    it('made on v1 and recorded after v2 changed nothing that matters: recorded on v1, so v3 adding a sentence sets it aside', async () => {
      const personId = await anEnglishEpisode();
      expect((await record(personId, englishSds())).status).toBe(201);
      // v2: remand found (more credit: the decision still covers the sentences).
      expect(
        (await record(personId, englishSds({ remandDays: 10 }), { 'if-match': '"sentence-v1"' })).status,
      ).toBe(201);
      const decided = day(300);
      await changeDate(personId, decided, 'EARLY_RELEASE', 1);
      expect((await basisOf(personId)).at(-1)).toEqual(['EARLY_RELEASE', 1]);
      // v3 adds a consecutive sentence: compared with v1's sentences (not v2's), it is set aside.
      const added = await record(
        personId,
        { ...withCount2({}), remandDays: 10 },
        { 'if-match': '"sentence-v2"' },
      );
      expect(added.status).toBe(201);
      expect(((await added.json()) as SentenceCalculationOutcomeView).effect.decisionSetAsideBecause).toMatch(
        /it was made on the sentences of calculation version 1; since then sentence count-2 was added/,
      );
    });
  });

  it('keeps a PAROLE decision recorded before its calculation version was kept (an older row), flagged, never guessed from timestamps', async () => {
    const decided = day(300);
    const personId = await decidedFor('PAROLE', decided);
    // As the platform (row-level security is forced): the row as a change recorded before 2200 reads.
    await ctx.lib.dataSource.transaction(async (tx) => {
      await tx.query(`SELECT set_config('throughcare.unrestricted', 'on', true)`);
      const [before] = (await tx.query(
        `SELECT sentence_calculation_version FROM liberation.release_date_change WHERE person_id = $1 AND reason = 'PAROLE'`,
        [personId],
      )) as Array<{ sentence_calculation_version: number | null }>;
      // Recorded with the decision: the version current then (review S2).
      expect(before).toEqual({ sentence_calculation_version: 1 });
      await tx.query(
        `UPDATE liberation.release_date_change SET sentence_calculation_version = NULL WHERE person_id = $1 AND reason = 'PAROLE'`,
        [personId],
      );
    });
    const recorded = await record(personId, withCount2({}), { 'if-match': '"sentence-v1"' });
    expect(recorded.status).toBe(201);
    expect(((await recorded.json()) as SentenceCalculationOutcomeView).effect).toMatchObject({
      expectedReleaseDateAfter: decided,
      changesExpectedReleaseDate: false,
      decisionSetAsideBecause: null,
      decisionCaveat: expect.stringMatching(/\(it was recorded before this service kept that\): it is kept/),
    });
  });

  it.each([
    { case: 'remand found (only the CRD moves)', body: () => englishSds({ remandDays: 10 }) },
    {
      case: 'the sentences reordered, an offence date corrected and a concurrent count removed',
      body: () => englishSds({ sentences: [{ ...englishSds().sentences[0], offenceDate: day(-199) }] }),
      basis: () =>
        englishSds({
          sentences: [
            { id: 'count-0', sentenceDate: day(-10), term: { days: 100 } },
            ...englishSds().sentences,
          ],
        }),
    },
  ])(
    'keeps a PAROLE direction when the sentences it was made on are not added to or lengthened: $case (review S1)',
    async ({ body, basis }) => {
      const personId = await anEnglishEpisode();
      expect((await record(personId, (basis ?? englishSds)())).status).toBe(201);
      const decided = day(300);
      await changeDate(personId, decided, 'PAROLE', 1);
      const recorded = await record(personId, body(), { 'if-match': '"sentence-v1"' });
      expect(recorded.status).toBe(201);
      const view = (await recorded.json()) as SentenceCalculationOutcomeView;
      expect(view.effect).toEqual(keptBy('PAROLE', decided));
      expect((await episodeView(personId)).expectedReleaseDate).toBe(decided);
      // The first recording and the decision: the recalculation moved nothing.
      expect(await ctx.lib.outboxRows('custody.release-date.changed', personId)).toHaveLength(2);
    },
  );

  /** Received five days ago, v1 recorded, then `reason` decided for two days ago (a date the record allows). */
  const decidedTwoDaysAgo = async (reason: string) => {
    const reception = aReception({
      establishmentCode: 'LEI',
      jurisdiction: 'ENGLAND_AND_WALES',
      homeLocalAuthority: 'E08000035',
      receivedAt: minutesAgo(5 * 24 * 60),
      sentenceDate: day(-10),
      expectedReleaseDate: day(200),
    });
    expect((await ctx.lib.post('/receptions', reception)).status).toBe(201);
    const decided = day(-2);
    return { decided, personId: await decidedFor(reason, decided, personIdOf(reception.prisonNumber)) };
  };

  it.each(['PAROLE', 'EARLY_RELEASE'])(
    'a kept %s decision whose date has passed: due now (preview says why, recording is 422 RELEASE_DUE_NOW)',
    async (reason) => {
      const { decided, personId } = await decidedTwoDaysAgo(reason);
      // Remand found later: the CRD stays ahead; the sentences are those the decision was made on.
      const withRemand = englishSds({ remandDays: 300 });
      const preview = await ctx.lib.post(`${path(personId)}/preview`, withRemand);
      expect(preview.status).toBe(200);
      const view = (await preview.json()) as SentenceCalculationOutcomeView;
      expect(view.releaseDate!.date > decided).toBe(true);
      expect(view.effect).toEqual({
        expectedReleaseDateBefore: decided,
        expectedReleaseDateAfter: decided,
        changesExpectedReleaseDate: false,
        keptBecause: null,
        decisionSetAsideBecause: null,
        decisionCaveat: null,
        releaseDueNowBecause: expect.stringMatching(
          new RegExp(
            `^the ${reason} decision of .* \\(release on ${decided}\\) stands, but its date has passed \\(today is \\d{4}-\\d{2}-\\d{2}\\): the person is due for immediate release`,
          ),
        ),
      });
      // The service's today, not the spec's (a run across midnight differs by a day).
      const today = /today is (\d{4}-\d{2}-\d{2})/.exec(view.effect.releaseDueNowBecause!)![1]!;
      expect(decided < today).toBe(true);
      expect(view.releaseDate!.date >= today).toBe(true);
      const recorded = await record(personId, withRemand, { 'if-match': '"sentence-v1"' });
      expect(recorded.status).toBe(422);
      expect(await recorded.json()).toMatchObject({
        code: 'RELEASE_DUE_NOW',
        detail: view.effect.releaseDueNowBecause,
        expectedReleaseDate: decided,
        calculatedReleaseDate: view.releaseDate && { type: 'CRD', date: view.releaseDate.date },
      });
      // Nothing recorded, nothing moved: v1, the decision's date, two changes.
      expect(
        ((await (await ctx.lib.get(path(personId))).json()) as SentenceCalculationPage).items,
      ).toHaveLength(1);
      expect((await episodeView(personId)).expectedReleaseDate).toBe(decided);
      expect(await ctx.lib.outboxRows('custody.release-date.changed', personId)).toHaveLength(2);
    },
  );

  it('a kept HDC decision whose date has passed is not due now (HDC is postponed, review M1): recorded, kept, with a caveat', async () => {
    const { decided: hdc, personId } = await decidedTwoDaysAgo('HDC_APPROVED');
    // Remand found later: the CRD stays ahead, the HDCED falls before the approved date.
    const withRemand = englishSds({ remandDays: 300 });
    const preview = await ctx.lib.post(`${path(personId)}/preview`, withRemand);
    expect(preview.status).toBe(200);
    const view = (await preview.json()) as SentenceCalculationOutcomeView;
    const hdced = view.dates.find((d) => d.type === 'HDCED')?.date;
    expect(hdced! <= hdc).toBe(true);
    expect(view.releaseDate!.date > hdc).toBe(true);
    const kept = keptBy(
      'HDC_APPROVED',
      hdc,
      expect.stringMatching(
        new RegExp(
          `^the HDC date ${hdc} has passed without a release \\(today is \\d{4}-\\d{2}-\\d{2}\\): HDC is discretionary and may be postponed`,
        ),
      ),
    );
    expect(view.effect).toEqual(kept);
    const recorded = await record(personId, withRemand, { 'if-match': '"sentence-v1"' });
    expect(recorded.status).toBe(201);
    expect(((await recorded.json()) as SentenceCalculationOutcomeView).effect).toEqual(kept);
    expect((await episodeView(personId)).expectedReleaseDate).toBe(hdc);
    expect(await ctx.lib.outboxRows('custody.release-date.changed', personId)).toHaveLength(2);
  });

  it('refuses to record a calculation whose date has passed (422 RELEASE_DUE_NOW: due for immediate release), and a preview says why', async () => {
    const personId = await anEnglishEpisode();
    // 500 days of remand against a CRD at day 400: the CRD fell 100 days before the sentence.
    const passed = englishSds({ remandDays: 500 });
    const preview = await ctx.lib.post(`${path(personId)}/preview`, passed);
    expect(preview.status).toBe(200);
    const view = (await preview.json()) as SentenceCalculationOutcomeView;
    expect(view.releaseDate).toMatchObject({ type: 'CRD', date: day(-10 + 399 - 500) });
    expect(view.effect).toEqual({
      expectedReleaseDateBefore: day(200),
      expectedReleaseDateAfter: day(200),
      changesExpectedReleaseDate: false,
      keptBecause: null,
      decisionSetAsideBecause: null,
      decisionCaveat: null,
      releaseDueNowBecause: expect.stringMatching(
        new RegExp(`^the calculated CRD ${day(-111)} has passed .*: the person is due for immediate release`),
      ),
    });
    // Passed by the service's clock (its today, in the reason), not one the spec computes apart.
    const today = /today is (\d{4}-\d{2}-\d{2})/.exec(view.effect.releaseDueNowBecause!)![1]!;
    expect(view.releaseDate!.date < today).toBe(true);
    const recorded = await record(personId, passed);
    expect(recorded.status).toBe(422);
    expect(await recorded.json()).toMatchObject({
      code: 'RELEASE_DUE_NOW',
      detail: expect.stringMatching(
        /due for immediate release .*Nothing is recorded: release them \(POST \/releases\)/,
      ),
    });
    // Nothing recorded, nothing moved, nothing told.
    expect(((await (await ctx.lib.get(path(personId))).json()) as SentenceCalculationPage).items).toEqual([]);
    expect((await episodeView(personId)).expectedReleaseDate).toBe(day(200));
    expect(await ctx.lib.outboxRows('custody.release-date.changed', personId)).toHaveLength(0);
  });

  it('does not undo a later change by recording the same date again', async () => {
    const personId = await anEnglishEpisode();
    expect((await record(personId, englishSds())).status).toBe(201);
    const other = day(250);
    await changeDate(personId, other, 'OTHER');
    const again = await record(
      personId,
      englishSds({ sentences: [{ ...englishSds().sentences[0], id: 'count-1b' }] }),
    );
    expect(((await again.json()) as SentenceCalculationOutcomeView).effect).toMatchObject({
      changesExpectedReleaseDate: false,
      expectedReleaseDateAfter: other,
      keptBecause: expect.stringMatching(/is the previous version's/),
    });
    expect((await episodeView(personId)).expectedReleaseDate).toBe(other);
  });

  it("compares the previous version's calculated date, not the expected release date (review M3): another calculated date moves it", async () => {
    const personId = await anEnglishEpisode();
    expect((await record(personId, englishSds())).status).toBe(201);
    const other = day(250);
    await changeDate(personId, other, 'OTHER');
    // Remand found: a CRD other than v1's, so the later change does not hold.
    const moved = await record(personId, englishSds({ remandDays: 20 }));
    expect(moved.status).toBe(201);
    expect(((await moved.json()) as SentenceCalculationOutcomeView).effect).toMatchObject({
      expectedReleaseDateBefore: other,
      expectedReleaseDateAfter: day(-10 + 399 - 20),
      changesExpectedReleaseDate: true,
      keptBecause: null,
    });
    // v2's sentences again after another change: v2's calculated date, kept as changed since.
    await changeDate(personId, other, 'OTHER');
    const same = await record(personId, englishSds({ remandDays: 20 }));
    expect(((await same.json()) as SentenceCalculationOutcomeView).effect).toMatchObject({
      expectedReleaseDateAfter: other,
      changesExpectedReleaseDate: false,
      keptBecause: expect.stringMatching(
        new RegExp(`calculated CRD ${day(-10 + 399 - 20)} is the previous version's`),
      ),
    });
  });

  it('honours Idempotency-Key: a retry answers the first recording (200), the same key with another body is 422', async () => {
    const personId = await anEnglishEpisode();
    const key = { 'idempotency-key': `spec-sentence-${personId}` };
    const first = await record(personId, englishSds(), key);
    expect(first.status).toBe(201);
    const retry = await record(personId, englishSds(), key);
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as SentenceCalculationOutcomeView).version).toBe(1);
    const reused = await record(personId, englishSds({ remandDays: 3 }), key);
    expect(reused.status).toBe(422);
    expect(await reused.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    const page = (await (await ctx.lib.get(path(personId))).json()) as SentenceCalculationPage;
    expect(page.items).toHaveLength(1);
    expect(await ctx.lib.outboxRows('custody.release-date.changed', personId)).toHaveLength(1);
  });

  it('refuses what it does not calculate (422 with the reason), bad input (400 naming the field)', async () => {
    const english = await anEnglishEpisode();
    const scottish = await aScottishEpisode();
    const problem = async (response: Response) => ({
      ...((await response.json()) as Problem),
      status: response.status,
    });

    const recall = await problem(
      await record(
        english,
        englishSds({ sentences: [{ ...englishSds().sentences[0], sentenceType: 'RECALL' }] }),
      ),
    );
    expect(recall).toMatchObject({
      status: 422,
      code: 'SENTENCE_NOT_CALCULATED',
      reason: 'RECALL',
      sentenceIds: ['count-1'],
    });

    const remandInScotland = await problem(
      await record(scottish, {
        sentences: [{ id: 'a', sentenceDate: day(-10), term: { days: 300 } }],
        remandDays: 4,
      }),
    );
    expect(remandInScotland).toMatchObject({
      status: 422,
      code: 'SENTENCE_NOT_CALCULATED',
      reason: 'REMAND_DAYS_IN_SCOTLAND',
    });

    const unknownFollowed = await problem(await record(english, withCount2({ consecutiveTo: 'count-9' })));
    expect(unknownFollowed).toMatchObject({ status: 400, code: 'SENTENCE_INPUT_INVALID' });
    expect(unknownFollowed.errors).toEqual([
      { field: 'sentences.1.consecutiveTo', message: expect.stringContaining('count-9') },
    ]);

    const noTerm = await problem(
      await record(english, { sentences: [{ id: 'x', sentenceDate: day(-1), term: {} }] }),
    );
    expect(noTerm).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(noTerm.errors?.map((e) => e.field)).toEqual(['sentences.0.term']);

    // (A CRD long since passed is not refused: release is due today, see below.)
    const page = (await (await ctx.lib.get(path(english))).json()) as SentenceCalculationPage;
    expect(page.items).toHaveLength(0);
  });

  it("answers another establishment's staff as unknown (404) and refuses a released episode (409)", async () => {
    const personId = await anEnglishEpisode();
    const elsewhere = { roles: ['prison-staff'], establishments: ['BAR'] };
    expect((await ctx.lib.post(path(personId), englishSds(), {}, elsewhere)).status).toBe(404);
    expect((await ctx.lib.get(`${path(personId)}/current`, elsewhere)).status).toBe(404);
    expect(
      (
        await ctx.lib.post('/releases', {
          personId,
          establishmentCode: 'LEI',
          reason: 'RELEASED',
          releasedAt: minutesAgo(5),
        })
      ).status,
    ).toBe(201);
    const released = await record(personId, englishSds());
    expect(released.status).toBe(409);
    expect(((await released.json()) as Problem).code).toBe('EPISODE_ALREADY_RELEASED');
  });
});

// The deploy transition (README "Deploying this change"): RELEASE_DECISION_VERSION_REQUIRED off
// while clients are released that send the version.
describe('liberation: a PAROLE or EARLY_RELEASE decision naming no calculation version, during the transition', () => {
  const ctx = useLiberation({ config: { RELEASE_DECISION_VERSION_REQUIRED: false } });
  const day = daysFrom(Date.now());

  it('is recorded on the latest version when it arrives, marked LATEST_ON_ARRIVAL: a sentence added after it sets it aside; one naming its version is checked as ever', async () => {
    const reception = aReception({
      establishmentCode: 'LEI',
      jurisdiction: 'ENGLAND_AND_WALES',
      homeLocalAuthority: 'E08000035',
      receivedAt: minutesAgo(600),
      sentenceDate: day(-10),
      expectedReleaseDate: day(200),
    });
    expect((await ctx.lib.post('/receptions', reception)).status).toBe(201);
    const personId = personIdOf(reception.prisonNumber);
    const calculations = `/people/${personId}/episodes/1/sentence-calculations`;
    const count1 = { id: 'count-1', sentenceDate: day(-10), offenceDate: day(-200), term: { days: 1000 } };
    expect((await ctx.lib.post(calculations, { sentences: [count1] })).status).toBe(201);
    const decided = day(300);
    const decision = await ctx.lib.post(`/people/${personId}/episodes/1/release-date`, {
      expectedReleaseDate: decided,
      reason: 'EARLY_RELEASE',
    });
    expect(decision.status).toBe(201);
    const rows = await ctx.lib.dataSource.transaction(async (tx) => {
      await tx.query(`SELECT set_config('throughcare.unrestricted', 'on', true)`);
      return tx.query(
        `SELECT sentence_calculation_version AS version, basis_source FROM liberation.release_date_change
          WHERE person_id = $1 AND reason = 'EARLY_RELEASE'`,
        [personId],
      ) as Promise<unknown[]>;
    });
    expect(rows).toEqual([{ version: 1, basis_source: 'LATEST_ON_ARRIVAL' }]);
    const added = await ctx.lib.post(
      calculations,
      {
        sentences: [
          count1,
          {
            id: 'count-2',
            sentenceDate: day(-5),
            offenceDate: day(-100),
            term: { days: 30 },
            consecutiveTo: 'count-1',
          },
        ],
      },
      { 'if-match': '"sentence-v1"' },
    );
    expect(added.status).toBe(201);
    expect(((await added.json()) as SentenceCalculationOutcomeView).effect.decisionSetAsideBecause).toMatch(
      /it was made on the sentences of calculation version 1; since then sentence count-2 was added/,
    );
    // A version named is still checked: v1 is not what v2's sentences are.
    const stale = await ctx.lib.post(`/people/${personId}/episodes/1/release-date`, {
      expectedReleaseDate: decided,
      reason: 'PAROLE',
      sentenceCalculationVersion: 1,
    });
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as Problem).code).toBe('DECISION_MADE_ON_OTHER_SENTENCES');
  });
});
