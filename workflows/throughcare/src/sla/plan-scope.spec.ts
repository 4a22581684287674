import type { WorkflowHandle } from '@temporalio/client';
import type { Principal, Role } from '@throughcare/platform-auth';
import { isPrisonStaffOf, mayViewPlan, planInScope } from './plan-scope';

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

describe('planInScope: a workflow under the journey id that cannot answer the plan', () => {
  const handleOf = (type: string) =>
    ({
      workflowId: 'throughcare-p1-2',
      query: async () => {
        throw new Error('Workflow did not register a handler for plan');
      },
      describe: async () => ({ type }),
    }) as unknown as WorkflowHandle;

  it('is no journey (404) when it is a reception-reversed tombstone, for an operator too', async () => {
    await expect(
      planInScope(handleOf('receptionReversedTombstone'), principal(['operator'])),
    ).rejects.toMatchObject({
      code: 'JOURNEY_NOT_FOUND',
    });
  });

  it("is the journey's own failure for an operator when it is a journey (a 404 for anyone else)", async () => {
    await expect(planInScope(handleOf('throughcareJourney'), principal(['operator']))).rejects.toThrow(
      'Workflow did not register a handler for plan',
    );
    await expect(
      planInScope(handleOf('throughcareJourney'), principal(['prison-staff'], ['BAR'])),
    ).rejects.toMatchObject({ code: 'JOURNEY_NOT_FOUND' });
  });
});
