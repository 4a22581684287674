import type { AgencyContact, DirectoryActivities } from '@throughcare/contracts';
import { withApplicationFailures } from '@throughcare/platform-temporal';
import type { AgenciesService } from './agencies.service';

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
  } satisfies DirectoryActivities);
}
