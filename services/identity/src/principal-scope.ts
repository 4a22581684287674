import { z } from 'zod';

// The scope an API client or a staff account acts in, as an administrator sends it: an agency
// (agency roles only) and establishments (the prison-staff role only).

/** An agency id, as the directory names agencies. */
export const AgencyIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/);

/** The establishments prison staff work at: three-letter codes. */
export const EstablishmentsSchema = z
  .array(z.string().regex(/^[A-Z]{3}$/, 'establishment code must be three upper-case letters'))
  .max(200);

/** Which roles act for an agency, and what a request is told when the agency is missing or misplaced. */
export interface AgencyRule {
  agencyRoles: readonly string[];
  required: string;
  onlyFor: string;
}

/**
 * The scope must fit the roles: an agency exactly when an agency role is held, establishments
 * exactly when prison-staff or policy-admin is. Each misfit is an issue on its field.
 */
export function refineScope(
  c: { roles: readonly string[]; agencyId?: string; establishments?: string[] },
  ctx: z.RefinementCtx,
  agency: AgencyRule,
): void {
  const agencyRole = c.roles.some((r) => agency.agencyRoles.includes(r));
  if (agencyRole && !c.agencyId)
    ctx.addIssue({ code: 'custom', path: ['agencyId'], message: agency.required });
  if (!agencyRole && c.agencyId)
    ctx.addIssue({ code: 'custom', path: ['agencyId'], message: agency.onlyFor });
  const prison = c.roles.includes('prison-staff') || c.roles.includes('policy-admin');
  if (prison && !c.establishments?.length)
    ctx.addIssue({
      code: 'custom',
      path: ['establishments'],
      message: 'required for the prison-staff and policy-admin roles',
    });
  if (!prison && c.establishments?.length)
    ctx.addIssue({
      code: 'custom',
      path: ['establishments'],
      message: 'only the prison-staff and policy-admin roles have establishments',
    });
}
