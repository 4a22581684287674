import { z } from 'zod';

/**
 * What a caller may be. A token carries one or more (the RFC 9068 `roles` claim); each route
 * declares the roles it admits (`@Access`), and each service scopes objects by the principal's
 * agency or establishments.
 */
export const ROLES = [
  /** Prison staff and prison systems: their establishments' people only (`establishments`). */
  'prison-staff',
  /**
   * Proposes and applies a change of release point for a cohort (a bulk re-plan, issue 10 review
   * S2) in its establishments (`establishments`), and reads re-plans there; nothing else. Staff
   * who also do case work hold prison-staff as well.
   */
  'policy-admin',
  /** A person working for an agency: that agency's cases only (`agency_id`). */
  'agency-staff',
  /** An agency's own case-management system (client credentials): that agency's cases only. */
  'agency-system',
  /** Reporting: counts and breaches, no personal details. */
  'manager',
  /** Workflow operations (attention items, dead letters): no personal details. */
  'operator',
  /** Reads the audit trail ("who looked at this person, when and why"). */
  'auditor',
  /** Registers agencies and their API clients. */
  'administrator',
  /** Another Throughcare service calling on its own behalf. */
  'service',
  /**
   * A monitoring system's scrape job (client credentials): `GET /metrics` and nothing else, so
   * that the credential on a monitoring host opens no operator action and no case.
   */
  'metrics-reader',
] as const;

export type Role = (typeof ROLES)[number];

/** The authenticated caller, from a verified access token. */
export interface Principal {
  /** `sub`: the user, or the client for client-credentials tokens. */
  readonly subject: string;
  /** `client_id`: the API client that obtained the token. */
  readonly clientId: string;
  readonly roles: readonly Role[];
  /** The agency the caller acts for (agency staff and systems). */
  readonly agencyId?: string;
  /** Prison establishment codes the caller may act in (prison staff). */
  readonly establishments: readonly string[];
  /** `jti`, for the audit trail. */
  readonly tokenId?: string;
}

const AGENCY_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;
/** As `EstablishmentCode` in @throughcare/contracts (three upper-case letters, e.g. "BAR"). */
const ESTABLISHMENT_CODE = /^[A-Z]{3}$/;

/**
 * The claims a Throughcare access token must carry beyond the JWT registered ones. Unknown
 * roles are refused rather than ignored: a token minted for another system's role model is not
 * silently narrowed into ours.
 */
const ClaimsSchema = z
  .object({
    sub: z.string().min(1).max(255),
    client_id: z.string().min(1).max(255),
    roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
    agency_id: z.string().regex(AGENCY_ID).optional(),
    establishments: z.array(z.string().regex(ESTABLISHMENT_CODE)).max(200).optional(),
    jti: z.string().max(255).optional(),
  })
  .superRefine((claims, ctx) => {
    const agencyRole = claims.roles.some((r) => r === 'agency-staff' || r === 'agency-system');
    if (agencyRole && !claims.agency_id)
      ctx.addIssue({ code: 'custom', path: ['agency_id'], message: 'an agency role needs agency_id' });
    if (claims.roles.includes('policy-admin') && !claims.establishments?.length)
      ctx.addIssue({
        code: 'custom',
        path: ['establishments'],
        message: 'the policy-admin role needs at least one establishment',
      });
    if (claims.roles.includes('prison-staff') && !claims.establishments?.length)
      ctx.addIssue({
        code: 'custom',
        path: ['establishments'],
        message: 'the prison-staff role needs at least one establishment',
      });
  });

export class InvalidClaimsError extends Error {
  constructor(readonly reasons: string[]) {
    super(`access token claims are not usable: ${reasons.join('; ')}`);
    this.name = 'InvalidClaimsError';
  }
}

/** The principal a verified token's payload names, or InvalidClaimsError saying what is missing. */
export function principalFromClaims(payload: Record<string, unknown>): Principal {
  const parsed = ClaimsSchema.safeParse(payload);
  if (!parsed.success)
    throw new InvalidClaimsError(
      parsed.error.issues.map((i) => `${i.path.join('.') || 'token'}: ${i.message}`),
    );
  const c = parsed.data;
  return Object.freeze({
    subject: c.sub,
    clientId: c.client_id,
    roles: Object.freeze([...new Set(c.roles)]),
    ...(c.agency_id ? { agencyId: c.agency_id } : {}),
    establishments: Object.freeze([...new Set(c.establishments ?? [])]),
    ...(c.jti ? { tokenId: c.jti } : {}),
  });
}

export function hasRole(principal: Principal, roles: readonly Role[]): boolean {
  return principal.roles.some((r) => roles.includes(r));
}

/**
 * Who did something, as a service records it (`created_by`, `received_by`, `revoked_by`…): the API
 * client for a client-credentials token (its subject is the client), else the user it names.
 */
export function actorOf(principal: Principal): string {
  return principal.subject === principal.clientId
    ? `client:${principal.clientId}`
    : `user:${principal.subject}`;
}
