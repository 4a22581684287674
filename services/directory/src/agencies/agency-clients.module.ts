import { Module, type DynamicModule } from '@nestjs/common';
import { AgenciesModule } from './agencies.module';
import { AgencyClientsController } from './agency-clients.controller';
import { AgencyClientsService, IDENTITY_REGISTRAR } from './agency-clients.service';
import { IdentityRegistrar } from './identity-registrar';

/** Agencies' API clients, registered at the identity provider through the directory. */
@Module({})
export class AgencyClientsModule {
  static forRoot(options: { issuer: string; secret: string | undefined }): DynamicModule {
    return {
      module: AgencyClientsModule,
      imports: [AgenciesModule],
      controllers: [AgencyClientsController],
      providers: [
        AgencyClientsService,
        { provide: IDENTITY_REGISTRAR, useValue: new IdentityRegistrar(options) },
      ],
    };
  }
}
