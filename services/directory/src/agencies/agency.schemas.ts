import { z } from 'zod';
import { AgencyKind, LocalAuthorityCode } from '@throughcare/contracts';

// HTTP DTOs. They belong in libs/contracts/src/http once other contexts consume them.
// Schemas are suffixed `Schema` on purpose: a controller parameter typed with a name that is
// also a value makes decorator metadata point at the zod object, and Swagger then crashes
// trying to read it as a DTO class.

export const ListAgenciesQuerySchema = z
  .object({
    localAuthority: LocalAuthorityCode.optional(),
    kind: AgencyKind.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().min(1).max(500).optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListAgenciesQuery = z.output<typeof ListAgenciesQuerySchema>;

export const AgencyIdSchema = z.uuid();

export const CreateAgencyBodySchema = z
  .object({
    name: z.string().max(200).trim().min(1),
    kind: AgencyKind,
    localAuthority: LocalAuthorityCode,
    contactPoint: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .describe(
        'A team, role or shared mailbox (e.g. "Justice Social Work duty team"), never a named person',
      ),
  })
  .strict();
export type CreateAgencyBody = z.output<typeof CreateAgencyBodySchema>;

export interface AgencyView {
  id: string;
  name: string;
  kind: AgencyKind;
  localAuthority: string;
  contactPoint: string;
  createdAt: string;
  createdBy: string;
}

export interface AgencyPage {
  items: AgencyView[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

// ── An agency's API clients (registered at the identity provider through the directory) ──

/** The roles an agency's client may hold. */
export const AGENCY_CLIENT_ROLES = ['agency-system', 'agency-staff'] as const;

export const AgencyClientIdSchema = z
  .string()
  .regex(/^tc-[0-9a-f]{24}$/, 'a client id as the identity provider issues them (tc-<24 hex>)');

export const RegisterAgencyClientBodySchema = z
  .object({
    name: z
      .string()
      .max(200)
      .trim()
      .min(1)
      .describe('What the client is, e.g. "Case-management system (production)"'),
    roles: z
      .array(z.enum(AGENCY_CLIENT_ROLES))
      .min(1)
      .max(AGENCY_CLIENT_ROLES.length)
      .refine((roles) => new Set(roles).size === roles.length, 'each role once')
      .default(['agency-system'])
      .describe('agency-system for a system (the default), agency-staff for a tool its staff use'),
  })
  .strict();
export type RegisterAgencyClientBody = z.output<typeof RegisterAgencyClientBodySchema>;

export const RevokeAgencyClientBodySchema = z
  .object({ reason: z.string().max(500).trim().min(1).describe('Why, for the record') })
  .strict();
export type RevokeAgencyClientBody = z.output<typeof RevokeAgencyClientBodySchema>;

export const ListAgencyClientsQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    after: AgencyClientIdSchema.optional().describe('next from the previous page'),
  })
  .strict();
export type ListAgencyClientsQuery = z.output<typeof ListAgencyClientsQuerySchema>;

/** An agency's client; `clientSecret` only in the answer to its registration, never again. */
export interface AgencyClient {
  clientId: string;
  agencyId: string;
  name: string;
  roles: string[];
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  revokedBy: string | null;
  revokedReason: string | null;
}

export interface AgencyClientPage {
  items: AgencyClient[];
  /** Pass back as `after` for the next page; null on the last page. */
  next: string | null;
}
