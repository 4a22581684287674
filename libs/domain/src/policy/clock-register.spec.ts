import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { CLOCK_REGISTER, JOURNEY_CLOCKS, LIBERATION_DAY_RULES, renderClockRegister } from './clock-register';
import { withClock } from './policy-registry';
import { SLA_POLICIES } from './seed-policies';
import type { ClockName } from './sla-policy';

const docPath = join(__dirname, '..', '..', '..', '..', 'docs', 'clocks.md');

describe('clock register (which clock the journey runs, and when)', () => {
  it('lists every clock of every policy version, each with its reason', () => {
    for (const policy of SLA_POLICIES) {
      for (const name of Object.keys(policy.clocks) as ClockName[]) {
        expect(CLOCK_REGISTER[name]?.when).toMatch(/\w{3,}/);
      }
    }
  });

  it('marks as DEADLINE exactly the clocks the journey records (JOURNEY_CLOCKS)', () => {
    const deadlines = Object.entries(CLOCK_REGISTER)
      .filter(([, u]) => u.use === 'DEADLINE')
      .map(([name]) => name);
    expect(deadlines.sort()).toEqual([...JOURNEY_CLOCKS].sort());
  });

  it('resolves every clock the journey runs in every version journey v2 can hold (its own rule, or borrowed)', () => {
    const unresolved: string[] = [];
    for (const policy of SLA_POLICIES.filter((p) => p.version >= 2)) {
      for (const clock of [...JOURNEY_CLOCKS, 'followUpWindow' as const]) {
        try {
          if (!withClock(policy, clock).clocks[clock])
            unresolved.push(`${policy.id} v${policy.version} ${clock}`);
        } catch {
          unresolved.push(`${policy.id} v${policy.version} ${clock}`);
        }
      }
    }
    expect(unresolved).toEqual([]);
    // Without borrowing, England & Wales v2 and v3 could not run the missed-appointment follow-up.
    expect(
      SLA_POLICIES.filter((p) => p.version >= 2 && !p.clocks.missedAppointmentFollowUp).map(
        (p) => `${p.id} v${p.version}`,
      ),
    ).toEqual(['england-wales-2026 v2', 'england-wales-2026 v3']);
  });

  it('states a liberation-day rule, with its source, for each jurisdiction', () => {
    expect(Object.keys(LIBERATION_DAY_RULES).sort()).toEqual(['ENGLAND_AND_WALES', 'SCOTLAND']);
    expect(LIBERATION_DAY_RULES.SCOTLAND.source).toMatch(/2023 s\.8/);
    expect(LIBERATION_DAY_RULES.SCOTLAND.when).toMatch(/Not verified/);
    expect(LIBERATION_DAY_RULES.ENGLAND_AND_WALES.source).toMatch(/1961 s\.23\(3\)/);
  });

  it('says why each clock not run is not run, naming what would run it', () => {
    for (const [name, u] of Object.entries(CLOCK_REGISTER).filter(([, u]) => u.use === 'NOT_RUN')) {
      expect({ name, names: /issue (9|10)|issues 9 and 10|As accommodationAssessment/.test(u.when) }).toEqual(
        {
          name,
          names: true,
        },
      );
    }
  });

  it('renders the latest version of each policy, one row per clock, escaping pipes', () => {
    const doc = renderClockRegister(SLA_POLICIES);
    expect(doc).toContain('## scotland-2026 v3 (SCOTLAND, from 2026-01-01)');
    expect(doc).toContain('## england-wales-2026 v4 (ENGLAND_AND_WALES, from 2026-01-01)');
    expect(doc).not.toContain('scotland-2026 v2');
    expect(doc).not.toContain('england-wales-2026 v3');
    expect(doc).toContain('| england-wales-2026 | 3 | missedAppointmentFollowUp from v4 |');
    expect(doc).toContain('| scotland-2026 | 3 | — |');
    expect(doc).toMatch(/\n\| firstSupervisionMeeting \| 24 hours \| CJSW → PERSON \| NOT_RUN \| /);
    expect(doc).toMatch(
      /\n\| preReleaseMeeting \| 10 workingDaysBefore \| PRISON_AND_CJSW → PERSON \| DEADLINE \| /,
    );
    const policy = { ...SLA_POLICIES[0]!, workingHoursSource: 'a | b' };
    expect(renderClockRegister([policy])).toContain('(a \\| b)');
  });

  it('docs/clocks.md is up to date (regenerate with `npm run docs:clocks`)', () => {
    expect(readFileSync(docPath, 'utf8')).toBe(renderClockRegister(SLA_POLICIES));
  });
});
