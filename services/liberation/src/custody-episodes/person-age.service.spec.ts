import type { DataSource } from 'typeorm';
import { AGE_ASKED_TOLERANCE_MS, PersonAgeService } from './person-age.service';

/** A custody record of one episode with this date of birth (the service reads one row). */
const recordOf = (dateOfBirth: string) =>
  ({
    getRepository: () => ({
      findOne: () => Promise.resolve({ personId: 'p0123456789abcdef0123', episode: 1, dateOfBirth }),
    }),
  }) as unknown as DataSource;

const ask = (at: string) => ({ personId: 'p0123456789abcdef0123', episode: 1, at });
const MINUTE = 60_000;

describe('PersonAgeService.ageOn: the age on the day it is asked (the scheduled time), never another', () => {
  const ages = new PersonAgeService(recordOf('1990-06-15'));

  it("answers from the asked instant's London day, not from the caller's `at`", async () => {
    // 23:30 UTC on 14 June is 00:30 on the 15th in London (BST): the birthday counts.
    const asked = new Date('2026-06-14T23:30:00.000Z');
    const at = new Date(asked.getTime() - 45 * MINUTE).toISOString(); // 23:45 on the 14th in London
    expect(await ages.ageOn(ask(at), asked)).toEqual({ age: 36 });
    // Asked the evening before (22:30 UTC, 23:30 in London): still 35.
    const before = new Date('2026-06-14T22:30:00.000Z');
    expect(await ages.ageOn(ask(new Date(before.getTime() + 45 * MINUTE).toISOString()), before)).toEqual({
      age: 35,
    });
  });

  it('takes an `at` up to an hour from the asked instant, and refuses one further off', async () => {
    const asked = new Date('2026-12-04T12:00:00.000Z');
    const off = (ms: number) => ask(new Date(asked.getTime() + ms).toISOString());
    for (const ms of [-AGE_ASKED_TOLERANCE_MS, -59 * MINUTE, 59 * MINUTE, AGE_ASKED_TOLERANCE_MS])
      expect(await ages.ageOn(off(ms), asked)).toEqual({ age: 36 });
    for (const ms of [-61 * MINUTE, 61 * MINUTE, 200 * 86_400_000])
      await expect(ages.ageOn(off(ms), asked)).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'at', message: 'must be the instant the age is asked' }],
      });
  });
});

describe('PersonAgeService.ageOn: a date of birth from another episode', () => {
  it('is never a void episode’s (recorded in error, perhaps against the wrong person; review stop 38, M4)', async () => {
    const asked: Array<Record<string, unknown>> = [];
    const record = {
      getRepository: () => ({
        findOne: (options: { where: Record<string, unknown> }) => {
          asked.push(options.where);
          // This episode has none; the fallback finds none standing either: no age offered.
          return Promise.resolve(
            asked.length === 1 ? { personId: 'p0123456789abcdef0123', episode: 2, dateOfBirth: null } : null,
          );
        },
      }),
    } as unknown as DataSource;
    const at = new Date('2026-12-04T12:00:00.000Z');
    expect(
      await new PersonAgeService(record).ageOn(
        { personId: 'p0123456789abcdef0123', episode: 2, at: at.toISOString() },
        at,
      ),
    ).toEqual({});
    expect(asked[1]).toEqual(
      expect.objectContaining({ voidedAt: expect.objectContaining({ _type: 'isNull' }) }),
    );
  });
});
