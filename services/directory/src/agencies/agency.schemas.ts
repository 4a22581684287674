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
