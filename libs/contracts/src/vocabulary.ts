import { z } from 'zod';

/** Jurisdictions whose calendars and clocks the platform knows. */
export const Jurisdiction = z.enum(['SCOTLAND', 'ENGLAND_AND_WALES']);
export type Jurisdiction = z.infer<typeof Jurisdiction>;

/** Resettlement pathways (HMPPS Resettlement Passport names, plus the two NOMS women's pathways). */
export const Pathway = z.enum([
  'ACCOMMODATION',
  'ATTITUDES_THINKING_AND_BEHAVIOUR',
  'CHILDREN_FAMILIES_AND_COMMUNITY',
  'DRUGS_AND_ALCOHOL',
  'EDUCATION_SKILLS_AND_WORK',
  'FINANCE_AND_ID',
  'HEALTH',
  'WOMEN_ABUSE_AND_VIOLENCE',
  'WOMEN_SEX_WORK',
]);
export type Pathway = z.infer<typeof Pathway>;

/** Receive reasons used by HMPPS prisoner-movement events. */
export const ReceptionReason = z.enum([
  'ADMISSION',
  'READMISSION',
  'TRANSFERRED',
  'TEMPORARY_ABSENCE_RETURN',
  'RETURN_FROM_COURT',
]);
export type ReceptionReason = z.infer<typeof ReceptionReason>;

/** Release reasons used by HMPPS prisoner-movement events. */
export const ReleaseReason = z.enum([
  'RELEASED',
  'TRANSFERRED',
  'TEMPORARY_ABSENCE_RELEASE',
  'RELEASED_TO_HOSPITAL',
  'SENT_TO_COURT',
  'UNKNOWN',
]);
export type ReleaseReason = z.infer<typeof ReleaseReason>;

export const RiskOfSeriousHarm = z.enum(['LOW', 'MEDIUM', 'HIGH', 'VERY_HIGH']);
export type RiskOfSeriousHarm = z.infer<typeof RiskOfSeriousHarm>;

/** Appointment attendance as recorded by hmpps-interventions-service. */
export const Attendance = z.enum(['YES', 'LATE', 'NO']);
export type Attendance = z.infer<typeof Attendance>;

/** Kinds of organisation held in the directory. */
export const AgencyKind = z.enum([
  'CJSW',
  'PROBATION',
  'HOUSING',
  'ADDICTION',
  'BENEFITS_AND_EMPLOYMENT',
  'HEALTH',
  'MENTORING',
  'WOMENS_SERVICE',
  'FAMILY_SUPPORT',
]);
export type AgencyKind = z.infer<typeof AgencyKind>;

/** Establishment codes: SPS / HMPPS style short upper-case codes (e.g. "BAR", "LEI"). */
export const EstablishmentCode = z
  .string()
  .regex(/^[A-Z]{3}$/, 'establishment code must be three upper-case letters (e.g. "BAR")');

/** Local-authority codes: GSS codes (S12… Scottish councils, E06/E07/E08/E09/W06… English and Welsh). */
export const LocalAuthorityCode = z
  .string()
  .regex(/^[SEW]\d{8}$/, 'local authority must be a GSS code such as "S12000036" (City of Edinburgh)');

/** Prison number (NOMIS style, e.g. A1234BC). Personal data: never in workflow ids or search attributes. */
export const PrisonNumber = z.string().regex(/^[A-Z]\d{4}[A-Z]{2}$/, 'prison number must look like A1234BC');

/** ISO calendar date (YYYY-MM-DD). */
export const IsoDate = z.iso.date();
/** ISO instant with an offset (e.g. 2026-03-02T10:00:00Z). */
export const IsoInstant = z.iso.datetime({ offset: true });

/**
 * Why an expected release date moved (calculate-release-dates-api and SPS practice): Home
 * Detention Curfew approved, parole, tranche/emergency early release, a sentence recalculation.
 */
export const ReleaseDateChangeReason = z.enum([
  'HDC_APPROVED',
  'PAROLE',
  'EARLY_RELEASE',
  'RECALCULATION',
  'OTHER',
]);
export type ReleaseDateChangeReason = z.infer<typeof ReleaseDateChangeReason>;
