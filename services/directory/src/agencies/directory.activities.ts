import type { AgencyChoice, AgencyContact, DirectoryActivities } from '@throughcare/contracts';
import { parseOrThrow } from '@throughcare/platform-errors';
import { z } from 'zod';
import { withApplicationFailures } from '@throughcare/platform-temporal';
import type { AgenciesService } from './agencies.service';
import { EligibleAgenciesQuerySchema, MAX_EXCLUDED } from './agency.schemas';

/** The activity's input: as the HTTP query's, with the agencies tried as an array (up to MAX_EXCLUDED). */
const ChooseAgencyInputSchema = EligibleAgenciesQuerySchema.pick({
  pathway: true,
  sentenceMonths: true,
  sex: true,
  age: true,
})
  .extend({
    localAuthority: EligibleAgenciesQuerySchema.shape.area,
    exclude: z.array(z.uuid()).max(MAX_EXCLUDED),
  })
  .strict();

/**
 * The directory's Temporal activities (task queue `directory`). Domain errors leave as
 * ApplicationFailures carrying their code: `AGENCY_NOT_FOUND` is non-retryable.
 */
export function createDirectoryActivities(agencies: AgenciesService): DirectoryActivities {
  return withApplicationFailures({
    async findAgency({ localAuthority, kind }): Promise<AgencyContact> {
      const agency = await agencies.findServing(kind, localAuthority);
      return {
        agencyId: agency.id,
        name: agency.name,
        kind: agency.kind,
        localAuthority: agency.localAuthority,
        contactPoint: agency.contactPoint,
      };
    },
    async chooseAgency(input): Promise<AgencyChoice> {
      const query = parseOrThrow(ChooseAgencyInputSchema, input, 'chooseAgency input');
      const { rule, items } = await agencies.eligible({
        pathway: query.pathway,
        area: query.localAuthority,
        sentenceMonths: query.sentenceMonths,
        sex: query.sex,
        age: query.age,
        exclude: [...new Set(query.exclude)],
        limit: 50,
      });
      const [first] = items;
      return {
        rule,
        choice: first
          ? {
              agencyId: first.agency.id,
              name: first.agency.name,
              kind: first.agency.kind,
              localAuthority: first.agency.localAuthority,
              contactPoint: first.agency.contactPoint,
              serviceId: first.service.id,
              serviceName: first.service.name,
            }
          : null,
        alternatives: new Set(
          items
            .slice(1)
            .map((i) => i.agency.id)
            .filter((id) => id !== first?.agency.id),
        ).size,
      };
    },
    async lookUpAgency({ agencyId }): Promise<AgencyContact | null> {
      // Not a directory id (free text typed elsewhere): no agency, without a query.
      if (!z.uuid().safeParse(agencyId).success) return null;
      const agency = await agencies.find(agencyId);
      return agency
        ? {
            agencyId: agency.id,
            name: agency.name,
            kind: agency.kind,
            localAuthority: agency.localAuthority,
            contactPoint: agency.contactPoint,
          }
        : null;
    },
  } satisfies DirectoryActivities);
}
