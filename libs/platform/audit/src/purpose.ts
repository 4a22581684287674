import type { Role } from '@throughcare/platform-auth';
import { ValidationFailedError } from '@throughcare/platform-errors';

export const PURPOSE_HEADER = 'x-purpose';

/**
 * Why personal data is being processed, as a caller may state it in `x-purpose` (a closed list:
 * the auditor's "why"). Without the header the purpose follows the caller's role.
 */
export const AUDIT_PURPOSES = [
  /** Planning and delivering the person's throughcare (prison, agency, the services themselves). */
  'case-work',
  /** A risk to the person or to others. */
  'safeguarding',
  /** The person's own request for their data (UK GDPR Art. 15). */
  'subject-access-request',
  /** Counts, deadlines and breaches. */
  'reporting',
  /** Running the workflows: attention items, dead letters. */
  'operations',
  /** Reviewing the audit trail. */
  'audit',
  /** Registering agencies and their clients. */
  'administration',
] as const;
export type AuditPurpose = (typeof AUDIT_PURPOSES)[number];

const DEFAULT_BY_ROLE: Record<Role, AuditPurpose> = {
  'prison-staff': 'case-work',
  'policy-admin': 'case-work',
  'agency-staff': 'case-work',
  'agency-system': 'case-work',
  service: 'case-work',
  manager: 'reporting',
  operator: 'operations',
  auditor: 'audit',
  administrator: 'administration',
  // Reads /metrics only (no personal data, never audited): the purpose is there for completeness.
  'metrics-reader': 'operations',
};

/**
 * The purpose a request is recorded under: its `x-purpose` header, or the first role's default.
 * A header outside AUDIT_PURPOSES is a 400 naming the header.
 */
export function purposeOf(header: string | string[] | undefined, roles: readonly Role[]): AuditPurpose {
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined) return roles[0] ? DEFAULT_BY_ROLE[roles[0]] : 'case-work';
  const value = raw.trim();
  if ((AUDIT_PURPOSES as readonly string[]).includes(value)) return value as AuditPurpose;
  throw new ValidationFailedError(`invalid ${PURPOSE_HEADER} header`, [
    {
      field: `headers.${PURPOSE_HEADER}`,
      message: `must be one of ${AUDIT_PURPOSES.join(', ')}`,
    },
  ]);
}
