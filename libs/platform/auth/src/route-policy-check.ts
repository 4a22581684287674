import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { PATH_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ACCESS_POLICY, type AccessPolicy } from './access.decorator';

export interface DeclaredRoute {
  controller: string;
  handler: string;
  policy?: AccessPolicy;
}

/** Every route handler of the application's controllers, with its declared access policy. */
export function declaredRoutes(discovery: DiscoveryService, scanner: MetadataScanner): DeclaredRoute[] {
  const routes: DeclaredRoute[] = [];
  for (const wrapper of discovery.getControllers()) {
    const type = wrapper.metatype as (new (...args: never[]) => object) | undefined;
    if (!type) continue;
    const classPolicy = Reflect.getMetadata(ACCESS_POLICY, type) as AccessPolicy | undefined;
    for (const name of scanner.getAllMethodNames(type.prototype)) {
      const handler = (type.prototype as Record<string, unknown>)[name] as object;
      if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
      const policy = (Reflect.getMetadata(ACCESS_POLICY, handler) as AccessPolicy | undefined) ?? classPolicy;
      routes.push({ controller: type.name, handler: name, ...(policy ? { policy } : {}) });
    }
  }
  return routes;
}

export class UndeclaredAccessError extends Error {
  constructor(readonly routes: DeclaredRoute[]) {
    super(
      `deny by default: ${routes.length} route(s) declare no access policy (@Access(...roles) or ` +
        `@PublicRoute(reason)): ${routes.map((r) => `${r.controller}.${r.handler}`).join(', ')}`,
    );
    this.name = 'UndeclaredAccessError';
  }
}

/** Startup check: the application does not start while any route declares no access policy. */
@Injectable()
export class RoutePolicyCheck implements OnModuleInit {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onModuleInit(): void {
    const routes = declaredRoutes(this.discovery, this.scanner);
    const undeclared = routes.filter((r) => !r.policy);
    if (undeclared.length) throw new UndeclaredAccessError(undeclared);
    const open = routes.filter((r) => r.policy?.kind === 'public').length;
    this.logger.log(`${routes.length} routes, each with an access policy (${open} public)`);
  }
}
