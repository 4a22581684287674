import { absenceDueBy, ROTL_DEFAULT_DUE_BACK_HOURS } from './absence-due';

describe('absenceDueBy (review stop 37, M2: the one rule of the overdue list and the release flag)', () => {
  const at = (iso: string) => new Date(iso);

  it('is the dueBackAt given', () => {
    expect(
      absenceDueBy({
        kind: 'ROTL',
        leftAt: at('2026-06-01T08:00:00Z'),
        dueBackAt: at('2026-06-03T18:00:00Z'),
      }),
    ).toEqual({ dueBy: at('2026-06-03T18:00:00Z'), dueBackKnown: true });
  });

  it(`with none: ROTL ${ROTL_DEFAULT_DUE_BACK_HOURS} h after it left; COURT the end of the UK day it left on, GMT or BST`, () => {
    expect(absenceDueBy({ kind: 'ROTL', leftAt: at('2026-06-01T08:00:00Z'), dueBackAt: null })).toEqual({
      dueBy: at('2026-06-02T08:00:00Z'),
      dueBackKnown: false,
    });
    const court = (leftAt: string) =>
      absenceDueBy({ kind: 'COURT', leftAt: at(leftAt), dueBackAt: null }).dueBy;
    expect(court('2026-01-15T10:00:00Z')).toEqual(at('2026-01-16T00:00:00Z'));
    // BST: midnight is 23:00Z; 23:30 BST is still that day.
    expect(court('2026-06-01T10:00:00Z')).toEqual(at('2026-06-01T23:00:00Z'));
    expect(court('2026-06-01T22:30:00Z')).toEqual(at('2026-06-01T23:00:00Z'));
    // 00:30 BST is the next day.
    expect(court('2026-06-01T23:30:00Z')).toEqual(at('2026-06-02T23:00:00Z'));
    // The days the clocks change: forward (ends at midnight BST), back (ends at midnight GMT).
    expect(court('2026-03-29T00:30:00Z')).toEqual(at('2026-03-29T23:00:00Z'));
    expect(court('2026-10-25T00:30:00Z')).toEqual(at('2026-10-26T00:00:00Z'));
  });
});
