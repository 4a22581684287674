import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { AccessTokenVerifier, type AuthOptions } from './access-token-verifier';
import { AuthGuard } from './auth.guard';
import { RateLimiter } from './rate-limiter';
import { RoutePolicyCheck } from './route-policy-check';

/**
 * Makes a service an OAuth2 resource server: the global AuthGuard (deny by default, bearer JWT
 * access tokens verified against the issuer's JWKS; with `requestsPerMinute`, a per-caller rate
 * limit it applies after verification), and the startup check that every route declares who may
 * call it.
 */
@Global()
@Module({})
export class AuthModule {
  static forRoot(options: AuthOptions): DynamicModule {
    const { requestsPerMinute, ...verifier } = options;
    return {
      module: AuthModule,
      imports: [DiscoveryModule],
      providers: [
        { provide: AccessTokenVerifier, useValue: new AccessTokenVerifier(verifier) },
        { provide: APP_GUARD, useClass: AuthGuard },
        ...(requestsPerMinute
          ? [{ provide: RateLimiter, useValue: new RateLimiter({ requestsPerMinute }) }]
          : []),
        RoutePolicyCheck,
      ],
      exports: [AccessTokenVerifier],
    };
  }
}
