import { randomBytes, randomUUID } from 'node:crypto';
import { createServiceDataSource } from '@throughcare/platform-persistence';
import { createScratchDatabase, type ScratchDatabase } from '@throughcare/testing';
import type { DataSource } from 'typeorm';
import { ASSESSMENT_SCHEMA, loadAssessmentConfig } from '../config';
import { assessmentMigrations } from '../migrations';
import { ConsentGiven, ConsentPresumption } from './consent-given.entity';
import type { ConsentState } from './consent-given.schemas';
import { episodeConsent } from './consent-given.service';
import { ConsentWithdrawal } from './consent-withdrawal.entity';

// Review stop 41, M7: the service's rule (`consentState`, read by `episodeConsent`) and the
// database's (`episode_consent_state` / `episode_consent_stands`, migration 1100, behind the
// agencies' read policies) must agree on every fact set, else the two walls disagree.

const config = loadAssessmentConfig({ ...process.env, PORT: '0' });

/** [given at, recorded at] and [withdrawn at, recorded at], in minutes after a base a day ago. */
type At = readonly [at: number, recorded: number];
interface Case {
  name: string;
  given?: At[];
  withdrawn?: At[];
  /** A cut-over mark: unexpired, or past its presumed_until. */
  presumed?: 'current' | 'expired';
  expected: ConsentState;
}

const CASES: Case[] = [
  { name: 'nothing recorded', expected: 'NONE' },
  { name: 'presumed at the cut-over', presumed: 'current', expected: 'PRESUMED_BEFORE_CUTOVER' },
  { name: 'presumed, past its presumed_until', presumed: 'expired', expected: 'NONE' },
  { name: 'consent given', given: [[0, 1]], expected: 'GIVEN' },
  { name: 'consent given replaces the presumption', given: [[0, 1]], presumed: 'current', expected: 'GIVEN' },
  {
    name: 'given and recorded after the withdrawal',
    given: [[10, 11]],
    withdrawn: [[5, 6]],
    expected: 'GIVEN',
  },
  {
    name: 'given later but recorded before the withdrawal',
    given: [[10, 11]],
    withdrawn: [[5, 12]],
    expected: 'WITHDRAWN',
  },
  { name: 'back-dated consent recorded after', given: [[4, 11]], withdrawn: [[5, 6]], expected: 'WITHDRAWN' },
  { name: 'tie of instants', given: [[5, 11]], withdrawn: [[5, 6]], expected: 'WITHDRAWN' },
  { name: 'tie of recordings', given: [[10, 6]], withdrawn: [[5, 6]], expected: 'WITHDRAWN' },
  {
    name: 'a second withdrawal dated before the re-consent, recorded after it',
    given: [[10, 11]],
    withdrawn: [
      [5, 6],
      [8, 12],
    ],
    expected: 'WITHDRAWN',
  },
  {
    name: 'the same withdrawal instant recorded again after a re-consent',
    given: [[10, 11]],
    withdrawn: [
      [5, 6],
      [5, 12],
    ],
    expected: 'WITHDRAWN',
  },
  {
    name: 'given, withdrawn, given again, withdrawn, given again',
    given: [
      [0, 1],
      [10, 11],
      [20, 21],
    ],
    withdrawn: [
      [5, 6],
      [15, 16],
    ],
    expected: 'GIVEN',
  },
  {
    name: 'a later-dated withdrawal recorded before an earlier-dated one',
    given: [[10, 11]],
    withdrawn: [
      [12, 6],
      [5, 8],
    ],
    expected: 'WITHDRAWN',
  },
  { name: 'presumed, then withdrawn', presumed: 'current', withdrawn: [[5, 6]], expected: 'WITHDRAWN' },
  {
    name: 'presumed, withdrawn, consent given after',
    presumed: 'current',
    given: [[10, 11]],
    withdrawn: [[5, 6]],
    expected: 'GIVEN',
  },
];

describe('consent: the service and the database derive the same state from the same facts (M7 parity)', () => {
  let scratch: ScratchDatabase;
  let db: DataSource;
  const base = Date.now() - 86_400_000;
  const at = (minutes: number) => new Date(base + minutes * 60_000);

  beforeAll(async () => {
    scratch = await createScratchDatabase('assessment_consent_parity_spec', config.DATABASE_URL);
    db = await createServiceDataSource({
      url: scratch.url,
      schema: ASSESSMENT_SCHEMA,
      entities: [ConsentGiven, ConsentWithdrawal, ConsentPresumption],
      migrations: assessmentMigrations,
    });
  });

  afterAll(async () => {
    await db?.destroy();
    await scratch?.drop();
  });

  it.each(CASES)('$name: $expected', async (c) => {
    const personId = `p${randomBytes(10).toString('hex')}`;
    const { service, database, stands } = await db.transaction(async (tx) => {
      // As the platform (the tables are under forced row-level security).
      await tx.query(`SET LOCAL throughcare.unrestricted = 'on'`);
      for (const [givenAt, recordedAt] of c.given ?? [])
        await tx.query(
          `INSERT INTO assessment.consent_given (id, person_id, episode, given_at, given_by, recorded_at)
           VALUES ($1, $2, 1, $3, 'user:spec', $4)`,
          [randomUUID(), personId, at(givenAt), at(recordedAt)],
        );
      for (const [withdrawnAt, recordedAt] of c.withdrawn ?? [])
        await tx.query(
          `INSERT INTO assessment.consent_withdrawal (person_id, episode, withdrawn_at, recorded_at, correlation_id)
           VALUES ($1, 1, $2, $3, 'spec-parity')`,
          [personId, at(withdrawnAt), at(recordedAt)],
        );
      if (c.presumed)
        await tx.query(
          `INSERT INTO assessment.consent_presumption (person_id, episode, agency_id, marked_at, presumed_until)
           VALUES ($1, 1, 'AG-PARITY', $2, $3)`,
          [personId, at(-60), c.presumed === 'current' ? new Date(Date.now() + 86_400_000) : at(-1)],
        );
      const [sql] = (await tx.query(
        `SELECT assessment.episode_consent_state($1, 1) AS state, assessment.episode_consent_stands($1, 1) AS stands`,
        [personId],
      )) as [{ state: ConsentState; stands: boolean }];
      return {
        service: (await episodeConsent(tx, personId, 1)).state,
        database: sql.state,
        stands: sql.stands,
      };
    });
    expect({ service, database }).toEqual({ service: c.expected, database: c.expected });
    expect(stands).toBe(c.expected === 'GIVEN' || c.expected === 'PRESUMED_BEFORE_CUTOVER');
  });
});
