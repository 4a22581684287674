import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { AccessTokenVerifier, type AccessTokenVerifierOptions } from './access-token-verifier';
import { AuthGuard } from './auth.guard';
import { RoutePolicyCheck } from './route-policy-check';

/**
 * Makes a service an OAuth2 resource server: the global AuthGuard (deny by default, bearer JWT
 * access tokens verified against the issuer's JWKS) and the startup check that every route
 * declares who may call it.
 */
@Global()
@Module({})
export class AuthModule {
  static forRoot(options: AccessTokenVerifierOptions): DynamicModule {
    return {
      module: AuthModule,
      imports: [DiscoveryModule],
      providers: [
        { provide: AccessTokenVerifier, useValue: new AccessTokenVerifier(options) },
        { provide: APP_GUARD, useClass: AuthGuard },
        RoutePolicyCheck,
      ],
      exports: [AccessTokenVerifier],
    };
  }
}
