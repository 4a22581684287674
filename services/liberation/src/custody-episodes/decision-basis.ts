import { resolvedSentenceSpans, termDays } from '@throughcare/domain';
import type { Jurisdiction } from '@throughcare/contracts';
import type { SentenceCalculationRecord } from './sentence-calculation.entity';
import type { SentencesBody } from './sentence-calculation.schemas';

/**
 * Why a parole or early-release decision no longer covers the sentences in `input`, or null when it
 * does (stop 37 review S1). A Parole Board direction or an early-release decision is made on the
 * sentences, not on a calculated date: remand or tagged-bail credit found later, a Scottish start
 * date backdated for remand, or a new release point does not undo it (a date after the new
 * CRD/ARD cannot stand anyway: `decisionCannotStand`), nor does a sentence removed or shortened
 * (the decision released the person from each sentence it was made on).
 *
 * It no longer covers them when, against the sentences of `basis` (the calculation version it was
 * made on), a sentence was added (a new conviction), or one was lengthened or moved later: a longer
 * term (measured from the day it starts, a consecutive one from the day after the one before it
 * ends), a later sentence or start date (a backdated start removed included), an end later as
 * the calculator resolves it (`resolvedSentenceSpans`: its start and term changed together; a
 * consecutive one after one that ends later, which is named instead), now consecutive to another, or an offence category
 * it did not have (an SDS40 Schedule offence, a Scottish domestic
 * abuse conviction: the release point); or, in Scotland, when the sentences as a whole begin
 * later (the earliest-starting one removed: the single term runs from it, 1993 Act s.27(5)); or
 * less remand or tagged bail curfew is credited (final review of stop 38), or (England and Wales,
 * issue 10 adjustments) more additional days net of those restored, or more days unlawfully at
 * large, are counted: time to serve that moves the release later. Not in England and
 * Wales (review of stop 40, N6): concurrent sentences are released separately, on the latest of
 * their release dates (CJA 2003 s.263), so removing the earliest-starting one (quashed on appeal)
 * moves no release later; a consecutive chain's own changes are named sentence by sentence.
 * This is deliberately conservative (stop 38: two rounds of finer rules, each reviewed, still
 * found paths to an early release): **any** added sentence sets the decision aside, even a short
 * concurrent one that releases by the decision's date. Set aside, the date moves to the
 * calculation's release date and the effect names why, for staff to review the decision and record
 * it again if it stands: a kept date made on other sentences can release someone early, a
 * set-aside one is reviewed.
 *
 * Sentences are matched by id; a sentence under an id the basis did not have is the same sentence
 * relabelled (staff's ids are their own labels: a count, a court case line) only when a basis
 * sentence no longer present under its own id had exactly the same facts the calculation turns on
 * (sentence date, start date, term in days, consecutive link, offence categories, sentence type);
 * each basis sentence is taken once (review M4 of stop 37). A reorder or a corrected offence date
 * does not set the decision aside.
 */
/** A sentence's own start: the commencement date the court gave, else the sentence date. */
const startOf = (x: Pick<SentencesBody['sentences'][number], 'startDate' | 'sentenceDate'>) =>
  x.startDate ?? x.sentenceDate;
/** What an absent `sentenceType` means (SentenceSchema). */
const DEFAULT_SENTENCE_TYPE = 'STANDARD_DETERMINATE';

type DecisionFacts = Pick<
  SentencesBody,
  | 'sentences'
  | 'remandDays'
  | 'taggedBailCurfewDays'
  | 'additionalDaysAwarded'
  | 'restoredDays'
  | 'unlawfullyAtLargeDays'
>;

export function madeOnOtherSentences(
  basis: Pick<SentenceCalculationRecord, 'version'> & { input: DecisionFacts },
  input: DecisionFacts,
  jurisdiction: Jurisdiction,
): string | null {
  type Sentence = SentencesBody['sentences'][number];
  const then = new Map(basis.input.sentences.map((s) => [s.id, s]));
  const nowIds = new Set(input.sentences.map((s) => s.id));
  // Relabelled sentences: new id → the basis id it stands for. Found to a fixed point, since a
  // consecutive link may name a sentence relabelled too.
  const relabelled = new Map<string, string>();
  const taken = new Set<string>();
  const asBasisId = (id: string | undefined) => (id === undefined ? undefined : (relabelled.get(id) ?? id));
  const categories = (x: Sentence) => [...(x.offenceCategories ?? [])].sort().join(',');
  const sameFacts = (x: Sentence, was: Sentence) =>
    x.sentenceDate === was.sentenceDate &&
    (x.startDate ?? null) === (was.startDate ?? null) &&
    termDays(x.sentenceDate, x.term) === termDays(was.sentenceDate, was.term) &&
    asBasisId(x.consecutiveTo) === was.consecutiveTo &&
    categories(x) === categories(was) &&
    (x.sentenceType ?? DEFAULT_SENTENCE_TYPE) === (was.sentenceType ?? DEFAULT_SENTENCE_TYPE);
  for (let found = true; found; ) {
    found = false;
    for (const x of input.sentences) {
      if (then.has(x.id) || relabelled.has(x.id)) continue;
      const was = basis.input.sentences.find((b) => !nowIds.has(b.id) && !taken.has(b.id) && sameFacts(x, b));
      if (was) {
        relabelled.set(x.id, was.id);
        taken.add(was.id);
        found = true;
      }
    }
  }
  // Each sentence's start, end and days as the calculator resolves them (a consecutive one starts
  // the day after the one it follows ends; review S1 of the consecutive check). Both sets were
  // calculated, so both resolve; should either not, the checks on the sentences as given stand alone.
  const [spansThen, spansNow] = [
    resolvedSentenceSpans(basis.input.sentences),
    resolvedSentenceSpans(input.sentences),
  ];
  const changes = input.sentences.flatMap((x) => {
    const was = then.get(asBasisId(x.id)!);
    if (!was) return [`sentence ${x.id} was added`];
    const label = relabelled.has(x.id) ? `${x.id} (${was.id} relabelled)` : x.id;
    const [spanNow, spanThen] = [spansNow?.get(x.id), spansThen?.get(was.id)];
    const spans = spanNow && spanThen ? { now: spanNow, then: spanThen } : null;
    // Measured from the day it starts (a term in months is not the same days from every day);
    // a consecutive one from the day after the one before it ends.
    const startsOn = spans?.now.start ?? startOf(x);
    const longer = termDays(startsOn, x.term) > termDays(startsOn, was.term);
    const addedCategories = (x.offenceCategories ?? []).filter(
      (c) => !(was.offenceCategories ?? []).includes(c),
    );
    const own = [
      ...(longer ? [`the term of sentence ${label} is longer`] : []),
      ...(x.sentenceDate > was.sentenceDate
        ? [`sentence ${label} is dated ${x.sentenceDate}, not ${was.sentenceDate}`]
        : []),
      ...(x.consecutiveTo === undefined &&
      (x.startDate !== undefined || was.startDate !== undefined) &&
      startOf(x) > startOf(was)
        ? [`sentence ${label} starts ${startOf(x)}, not ${startOf(was)}`]
        : []),
      ...(x.consecutiveTo !== undefined && asBasisId(x.consecutiveTo) !== was.consecutiveTo
        ? [`sentence ${label} is now consecutive to ${x.consecutiveTo}`]
        : []),
      ...(addedCategories.length > 0
        ? [
            `sentence ${label} now has offence categor${addedCategories.length > 1 ? 'ies' : 'y'} ${addedCategories.join(', ')}`,
          ]
        : []),
    ];
    if (spans === null || own.length > 0) return own;
    // Resolved, it ends later (consecutive ones included) for a reason not named above. Not named
    // again for a sentence that still follows the same one and starts later only because that one
    // ends later: the one before it is named (or, up the chain, the one that moved). More days from
    // an earlier start with a term no longer (a month is not the same days from every day: a
    // Scottish start backdated for remand) end no later and release no later: `longer` above
    // compares the terms from the same, resolved, start.
    const followsOneEndingLater =
      x.consecutiveTo !== undefined &&
      asBasisId(x.consecutiveTo) === was.consecutiveTo &&
      spans.now.start > spans.then.start;
    return !followsOneEndingLater && spans.now.end > spans.then.end
      ? [`sentence ${label} ends ${spans.now.end}, not ${spans.then.end}`]
      : [];
  });
  // The sentences as a whole begin later (the earliest-starting one removed): in Scotland the
  // single term runs from the earliest start (1993 Act s.27(5)), so every date moves later. In
  // England and Wales, concurrent sentences release separately (s.263): nothing moves later.
  const earliest = (sentences: DecisionFacts['sentences']) =>
    sentences
      .filter((x) => x.consecutiveTo === undefined)
      .map(startOf)
      .sort()[0];
  const [earliestThen, earliestNow] = [earliest(basis.input.sentences), earliest(input.sentences)];
  const removed = basis.input.sentences.some((b) => !nowIds.has(b.id) && !taken.has(b.id));
  if (
    jurisdiction === 'SCOTLAND' &&
    removed &&
    earliestThen !== undefined &&
    earliestNow !== undefined &&
    earliestNow > earliestThen
  )
    changes.push(`the sentences begin ${earliestNow}, not ${earliestThen}`);
  // Less time credited (E&W remand, tagged bail curfew): every date it counted towards moves later.
  const credit = (facts: DecisionFacts, field: 'remandDays' | 'taggedBailCurfewDays') => facts[field] ?? 0;
  for (const [field, what] of [
    ['remandDays', 'remand days'],
    ['taggedBailCurfewDays', 'tagged bail curfew days'],
  ] as const)
    if (credit(input, field) < credit(basis.input, field))
      changes.push(`the ${what} credited are ${credit(input, field)}, not ${credit(basis.input, field)}`);
  // More time to serve (E&W additional days net of those restored, time unlawfully at large):
  // the release it was made on moves later.
  const added = (facts: DecisionFacts) => (facts.additionalDaysAwarded ?? 0) - (facts.restoredDays ?? 0);
  if (added(input) > added(basis.input))
    changes.push(
      `the additional days awarded less those restored are ${added(input)}, not ${added(basis.input)}`,
    );
  const atLarge = (facts: DecisionFacts) => facts.unlawfullyAtLargeDays ?? 0;
  if (atLarge(input) > atLarge(basis.input))
    changes.push(`the days unlawfully at large are ${atLarge(input)}, not ${atLarge(basis.input)}`);
  return changes.length === 0
    ? null
    : `it was made on the sentences of calculation version ${basis.version}; since then ${changes.join(', ')}`;
}
