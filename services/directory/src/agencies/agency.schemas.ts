import { z } from 'zod';
import { AgencyKind, LocalAuthorityCode, Pathway } from '@throughcare/contracts';
import { keysetCursor } from '@throughcare/platform-http';
import { AGENCY_SERVICE_SEX, type AgencyServiceSex } from './agency-service.entity';

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

const Day = z.enum(['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN']);
const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day, HH:MM (24-hour)');

export const OpeningHoursSchema = z
  .object({ day: Day, opens: ClockTime, closes: ClockTime })
  .strict()
  .refine((h) => h.opens < h.closes, { message: 'opens before it closes', path: ['closes'] });

export const ContactSchema = z
  .object({
    name: z.string().max(200).trim().min(1).describe('A person or a team'),
    role: z.string().max(200).trim().min(1),
    // A pattern rather than z.email(): the OpenAPI document then says exactly what is checked (the
    // HTTP fuzzing found an address JSON Schema's "email" format refuses and z.email() took).
    email: z
      .string()
      .max(254)
      .regex(/^[^\s@<>()[\]\\,;:"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, 'an email address, name@domain')
      .optional(),
    phone: z
      .string()
      .regex(/^\+?[0-9 ()-]{6,30}$/, 'digits, spaces, brackets and dashes, optionally after +')
      .optional(),
  })
  .strict();

const Bound = (max: number) => z.number().int().min(0).max(max);

/** One service an agency offers, on one resettlement pathway. */
export const AgencyServiceBodySchema = z
  .object({
    pathway: Pathway,
    name: z.string().max(200).trim().min(1),
    description: z.string().max(2000).trim().default(''),
    sex: z.enum(AGENCY_SERVICE_SEX).default('ANY').describe('Who it is for: ANY, WOMEN only or MEN only'),
    minAge: Bound(130).optional(),
    maxAge: Bound(130).optional(),
    minSentenceMonths: Bound(1200).optional(),
    maxSentenceMonths: Bound(1200).optional(),
    capacity: Bound(1_000_000).optional().describe('Places, as the agency states them'),
    acceptingReferrals: z.boolean().default(true),
  })
  .strict()
  .refine((s) => s.minAge === undefined || s.maxAge === undefined || s.minAge <= s.maxAge, {
    message: 'minAge is above maxAge',
    path: ['maxAge'],
  })
  .refine(
    (s) =>
      s.minSentenceMonths === undefined ||
      s.maxSentenceMonths === undefined ||
      s.minSentenceMonths <= s.maxSentenceMonths,
    { message: 'minSentenceMonths is above maxSentenceMonths', path: ['maxSentenceMonths'] },
  );
export type AgencyServiceBody = z.output<typeof AgencyServiceBodySchema>;

export const CreateAgencyBodySchema = z
  .object({
    name: z.string().max(200).trim().min(1),
    kind: AgencyKind,
    localAuthority: LocalAuthorityCode.describe('The council area the agency is listed under'),
    contactPoint: z
      .string()
      .max(200)
      .trim()
      .min(1)
      .describe(
        'A team, role or shared mailbox (e.g. "Justice Social Work duty team"), never a named person',
      ),
    catchment: z
      .array(LocalAuthorityCode)
      .min(1)
      .max(400)
      .refine((c) => new Set(c).size === c.length, 'each area once')
      .optional()
      .describe('The council areas served (GSS codes); by default localAuthority alone'),
    openingHours: z.array(OpeningHoursSchema).max(28).default([]),
    contacts: z.array(ContactSchema).max(20).default([]).describe('Named points of contact'),
    services: z
      .array(AgencyServiceBodySchema)
      .max(50)
      .default([])
      .refine(
        (ss) => new Set(ss.map((s) => `${s.pathway} ${s.name}`)).size === ss.length,
        'each service once per pathway (by name)',
      ),
  })
  .strict();
export type CreateAgencyBody = z.output<typeof CreateAgencyBodySchema>;

export interface AgencyServiceView {
  id: string;
  pathway: Pathway;
  name: string;
  description: string;
  sex: AgencyServiceSex;
  minAge: number | null;
  maxAge: number | null;
  minSentenceMonths: number | null;
  maxSentenceMonths: number | null;
  capacity: number | null;
  acceptingReferrals: boolean;
}

export interface AgencyView {
  id: string;
  name: string;
  kind: AgencyKind;
  localAuthority: string;
  contactPoint: string;
  catchment: string[];
  openingHours: Array<z.output<typeof OpeningHoursSchema>>;
  contacts: Array<z.output<typeof ContactSchema>>;
  services: AgencyServiceView[];
  createdAt: string;
  createdBy: string;
  updatedAt: string | null;
  updatedBy: string | null;
}

export interface AgencyPage {
  items: AgencyView[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

// ── Search ──

/** A search page's cursor: the phase that found the page, and the last hit's rank, agency name and service id. */
export const SearchCursor = keysetCursor(
  z.tuple([z.enum(['all', 'words', 'near']), z.number(), z.string(), z.uuid()]),
);

export const SearchAgenciesQuerySchema = z
  .object({
    q: z
      .string()
      .max(200)
      .optional()
      .describe(
        'Words, as typed: each matches a word beginning with it; when nothing does, near spellings (see match)',
      ),
    pathway: Pathway.optional(),
    area: LocalAuthorityCode.optional().describe("The person's home council area: agencies serving it"),
    kind: AgencyKind.optional(),
    sex: z
      .enum(['FEMALE', 'MALE'])
      .optional()
      .describe("The person's sex: services for the other only are left out"),
    age: z.coerce.number().int().min(0).max(130).optional(),
    sentenceMonths: z.coerce.number().int().min(0).max(1200).optional(),
    includeNotAccepting: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true')
      .describe('Also list services not taking referrals now'),
    limit: z.coerce.number().int().min(1).max(50).default(20),
    cursor: SearchCursor.schema.optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type SearchAgenciesQuery = z.output<typeof SearchAgenciesQuerySchema>;

/** A service that matched, with its agency, best first. */
export interface SearchHit {
  rank: number;
  agency: Pick<AgencyView, 'id' | 'name' | 'kind' | 'localAuthority' | 'contactPoint' | 'catchment'>;
  service: AgencyServiceView;
}

export interface SearchPage {
  /**
   * How `q` matched: `words` (each word a prefix of a word of the service), `near` (no service
   * matched so: near spellings, e.g. a misspelling), or `all` (no q).
   */
  match: 'all' | 'words' | 'near';
  items: SearchHit[];
  nextCursor: string | null;
}

// ── Choosing the agency a need is referred to ──

/** Agencies an HTTP query may leave out (`exclude`); the chooseAgency activity takes up to MAX_EXCLUDED. */
export const MAX_EXCLUDED_BY_QUERY = 20;
export const MAX_EXCLUDED = 500;

export const EligibleAgenciesQuerySchema = z
  .object({
    pathway: Pathway.describe('The need'),
    area: LocalAuthorityCode.describe("The person's home council area"),
    sentenceMonths: z.coerce.number().int().min(0).max(1200).optional(),
    sex: z
      .enum(['FEMALE', 'MALE'])
      .optional()
      .describe('When unknown, services for one sex only are not chosen'),
    age: z.coerce
      .number()
      .int()
      .min(0)
      .max(130)
      .optional()
      .describe('When unknown, age-banded services are not chosen'),
    exclude: z
      .string()
      // 20 ids: a request line stays far below the 16 KiB Node refuses before any code runs (the
      // journey's activity takes more, as an array).
      .max(37 * MAX_EXCLUDED_BY_QUERY)
      .optional()
      .transform((v, ctx) => {
        const ids = v ? v.split(',').filter(Boolean) : [];
        for (const id of ids)
          if (!z.uuid().safeParse(id).success) {
            ctx.addIssue({
              code: 'custom',
              message: `${JSON.stringify(id.slice(0, 40))} is not an agency id`,
            });
            return z.NEVER;
          }
        return ids;
      })
      .describe('Agencies already tried for this need (comma-separated ids): they are left out'),
    limit: z.coerce.number().int().min(1).max(50).default(10),
  })
  .strict();
export type EligibleAgenciesQuery = z.output<typeof EligibleAgenciesQuerySchema>;

/** One eligible service, in the order the rule ranks them (the first is the choice). */
export interface EligibleService {
  agency: Pick<AgencyView, 'id' | 'name' | 'kind' | 'localAuthority' | 'contactPoint' | 'catchment'>;
  service: AgencyServiceView;
  /** Why it stands where it does: the rule's criteria as they apply to it. */
  because: {
    leadKind: boolean;
    specific: boolean;
    listedInArea: boolean;
    catchmentSize: number;
  };
}

export interface EligibleAgencies {
  /** The rule's version (README "Which agency a need goes to"). */
  rule: string;
  items: EligibleService[];
}

/** The largest CSV an import takes (its own body limit, above the JSON one). */
export const CSV_BODY_LIMIT_BYTES = 16 * 1024 * 1024;

export const CsvBodySchema = z.string().min(1, 'an empty file').max(CSV_BODY_LIMIT_BYTES);

export const ImportAgenciesQuerySchema = z
  .object({
    dryRun: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true')
      .describe('true: check the file and say what it would do, writing nothing'),
  })
  .strict();
export type ImportAgenciesQuery = z.output<typeof ImportAgenciesQuerySchema>;

/** What an import did, or would do (dryRun). */
export interface ImportResult {
  dryRun: boolean;
  rows: number;
  agencies: { created: number; updated: number };
  services: number;
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
