import type { AgencyChoice, AgencyContact, DirectoryActivities } from '@throughcare/contracts';
import { parseOrThrow } from '@throughcare/platform-errors';
import { withApplicationFailures } from '@throughcare/platform-temporal';
import type { AgenciesService } from './agencies.service';
import { EligibleAgenciesQuerySchema } from './agency.schemas';

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
      const query = parseOrThrow(
        EligibleAgenciesQuerySchema,
        {
          pathway: input.pathway,
          area: input.localAuthority,
          sentenceMonths: input.sentenceMonths,
          sex: input.sex,
          age: input.age,
          exclude: input.exclude.join(','),
          limit: 50,
        },
        'chooseAgency input',
      );
      const { rule, items } = await agencies.eligible(query);
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
  } satisfies DirectoryActivities);
}
