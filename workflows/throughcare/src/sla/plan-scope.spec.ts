import type { Principal, Role } from '@throughcare/platform-auth';
import { isPrisonStaffOf, mayViewPlan } from './plan-scope';

const principal = (roles: Role[], establishments: string[] = []): Principal => ({
  subject: 'spec',
  clientId: 'spec',
  roles,
  establishments,
});

describe('mayViewPlan', () => {
  it('lets an operator see any journey, with or without an establishment', () => {
    expect(mayViewPlan(principal(['operator']), { establishmentCode: 'BAR' })).toBe(true);
    expect(mayViewPlan(principal(['operator']), {})).toBe(true);
  });

  it("lets prison staff see the journeys of people held in their establishments, and no other's", () => {
    const staff = principal(['prison-staff'], ['BAR', 'GMI']);
    expect(mayViewPlan(staff, { establishmentCode: 'BAR' })).toBe(true);
    expect(mayViewPlan(staff, { establishmentCode: 'GMI' })).toBe(true);
    expect(mayViewPlan(staff, { establishmentCode: 'LEI' })).toBe(false);
    expect(mayViewPlan(staff, { establishmentCode: 'bar' })).toBe(false);
  });

  it('refuses prison staff a plan that names no establishment (the scope cannot be checked)', () => {
    expect(mayViewPlan(principal(['prison-staff'], ['BAR']), {})).toBe(false);
    expect(mayViewPlan(principal(['prison-staff'], ['BAR']), { establishmentCode: undefined })).toBe(false);
  });

  it('refuses every other role, whatever its establishments', () => {
    for (const role of [
      'manager',
      'agency-staff',
      'agency-system',
      'auditor',
      'administrator',
      'service',
    ] as const)
      expect(mayViewPlan(principal([role], ['BAR']), { establishmentCode: 'BAR' })).toBe(false);
  });

  it('an operator who is also prison staff is not narrowed to the establishments', () => {
    expect(mayViewPlan(principal(['prison-staff', 'operator'], ['BAR']), { establishmentCode: 'LEI' })).toBe(
      true,
    );
  });
});

describe('isPrisonStaffOf (who stopped a need: prison staff, else an operator)', () => {
  it('is prison staff of the establishment holding the person, even when also an operator', () => {
    expect(isPrisonStaffOf(principal(['prison-staff'], ['BAR']), { establishmentCode: 'BAR' })).toBe(true);
    expect(
      isPrisonStaffOf(principal(['prison-staff', 'operator'], ['BAR']), { establishmentCode: 'BAR' }),
    ).toBe(true);
  });

  it('is not for an operator acting at another establishment, an operator alone, or a plan naming none', () => {
    expect(
      isPrisonStaffOf(principal(['prison-staff', 'operator'], ['BAR']), { establishmentCode: 'LEI' }),
    ).toBe(false);
    expect(isPrisonStaffOf(principal(['operator']), { establishmentCode: 'BAR' })).toBe(false);
    expect(isPrisonStaffOf(principal(['prison-staff', 'operator'], ['BAR']), {})).toBe(false);
  });
});
