import { Inject, Injectable } from '@nestjs/common';
import { AgenciesService } from './agencies.service';
import { AgencyClientNotFoundError } from './agency.errors';
import type {
  AgencyClient,
  AgencyClientPage,
  ListAgencyClientsQuery,
  RegisterAgencyClientBody,
} from './agency.schemas';
import {
  clientRegistrationUnavailable,
  IdentityRegistrar,
  type AgencyClientView,
} from './identity-registrar';

/** The registrar, provided by the app module from the configuration. */
export const IDENTITY_REGISTRAR = Symbol('IDENTITY_REGISTRAR');

const toClient = (c: AgencyClientView, agencyId: string): AgencyClient => ({
  clientId: c.clientId,
  agencyId,
  name: c.name,
  roles: c.roles,
  createdAt: c.createdAt,
  createdBy: c.createdBy,
  revokedAt: c.revokedAt,
  revokedBy: c.revokedBy,
  revokedReason: c.revokedReason,
});

/**
 * An agency's API clients: the directory is where agencies are known, so it is where their clients
 * are registered (issue 8). The clients themselves live at the identity provider, which issues
 * their tokens; the directory checks the agency, scopes every read and revocation to it, and asks
 * the provider as its registrar client, naming who asked. One store, no copy to drift.
 */
@Injectable()
export class AgencyClientsService {
  constructor(
    private readonly agencies: AgenciesService,
    @Inject(IDENTITY_REGISTRAR) private readonly registrar: IdentityRegistrar,
  ) {}

  /** A new client of `agencyId`; its secret is in this answer only. */
  async register(
    agencyId: string,
    body: RegisterAgencyClientBody,
    requestedBy: string,
  ): Promise<AgencyClient & { clientSecret: string }> {
    await this.agencies.get(agencyId); // 404 AGENCY_NOT_FOUND
    const answer = await this.registrar.call<AgencyClientView & { clientSecret?: string }>(
      'POST',
      '/admin/clients',
      { name: body.name, roles: body.roles, agencyId, requestedBy },
    );
    if (answer.status !== 201 || !answer.body.clientSecret)
      throw this.unexpected('registering a client', answer);
    return { ...toClient(answer.body, agencyId), clientSecret: answer.body.clientSecret };
  }

  async list(agencyId: string, query: ListAgencyClientsQuery): Promise<AgencyClientPage> {
    await this.agencies.get(agencyId);
    const params = new URLSearchParams({ agencyId, limit: String(query.limit) });
    if (query.after) params.set('after', query.after);
    const answer = await this.registrar.call<{ items: AgencyClientView[]; next: string | null }>(
      'GET',
      `/admin/clients?${params.toString()}`,
    );
    if (answer.status !== 200) throw this.unexpected('listing clients', answer);
    return {
      // The provider filtered by agency; checked again here, the directory's own wall.
      items: answer.body.items.filter((c) => c.agencyId === agencyId).map((c) => toClient(c, agencyId)),
      next: answer.body.next,
    };
  }

  async get(agencyId: string, clientId: string): Promise<AgencyClient> {
    await this.agencies.get(agencyId);
    const answer = await this.registrar.call<AgencyClientView>('GET', `/admin/clients/${clientId}`);
    // Another agency's client is as missing as an unknown one.
    if (noSuchClient(answer) || (answer.status === 200 && answer.body.agencyId !== agencyId))
      throw new AgencyClientNotFoundError(agencyId, clientId);
    if (answer.status !== 200) throw this.unexpected('reading a client', answer);
    return toClient(answer.body, agencyId);
  }

  /** Revokes it (again: the first revocation stands); its tokens stop working within their lifetime. */
  async revoke(
    agencyId: string,
    clientId: string,
    reason: string,
    requestedBy: string,
  ): Promise<AgencyClient> {
    await this.get(agencyId, clientId);
    const answer = await this.registrar.call<AgencyClientView>(
      'POST',
      `/admin/clients/${clientId}/revocation`,
      {
        reason,
        requestedBy,
      },
    );
    if (noSuchClient(answer)) throw new AgencyClientNotFoundError(agencyId, clientId);
    if (answer.status !== 200) throw this.unexpected('revoking a client', answer);
    return toClient(answer.body, agencyId);
  }

  /**
   * An answer the directory should never get: its own validation runs first, so a 400 is a
   * disagreement between the two services (a version skew), and another 404 than "no such client"
   * is a route the provider does not serve to the registrar. Logged, answered 503: the caller's
   * request was fine, and an administrator revoking a client must not read "no such client".
   */
  private unexpected(what: string, answer: { status: number; body: unknown }): Error {
    console.error(`directory: ${what}: the identity provider answered ${answer.status}`, answer.body);
    return clientRegistrationUnavailable(
      `the identity provider could not complete ${what} (${answer.status})`,
    );
  }
}

/** The provider's own "no such client" (a 404 with its code), not any 404. */
function noSuchClient(answer: { status: number; body: unknown }): boolean {
  return (
    answer.status === 404 && (answer.body as { code?: unknown } | undefined)?.code === 'CLIENT_NOT_FOUND'
  );
}
