import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { AUDITED, NO_PERSONAL_DATA, PERSONAL_DATA } from './audited.decorator';

export class UnauditedRouteError extends Error {
  constructor(readonly routes: string[]) {
    super(
      `audit: ${routes.length} route(s) of personal-data controllers declare no audit ` +
        `(@Audited(...) or @NotAudited(reason)): ${routes.join(', ')}`,
    );
    this.name = 'UnauditedRouteError';
  }
}

/**
 * Deny by default: controllers that declare neither `@PersonalData()` nor
 * `@NoPersonalData(reason)`, or both.
 */
export class UndeclaredPersonalDataError extends Error {
  constructor(
    readonly undeclared: string[],
    readonly contradictory: string[] = [],
  ) {
    const parts = [
      undeclared.length
        ? `${undeclared.length} controller(s) declare neither @PersonalData() nor @NoPersonalData(reason): ${undeclared.join(', ')}`
        : '',
      contradictory.length
        ? `${contradictory.length} controller(s) declare both @PersonalData() and @NoPersonalData(reason): ${contradictory.join(', ')}`
        : '',
    ].filter(Boolean);
    super(`audit: ${parts.join('; ')}`);
    this.name = 'UndeclaredPersonalDataError';
  }
}

export interface ControllerDeclaration {
  controller: string;
  personalData: boolean;
  /** The reason given by `@NoPersonalData(reason)`, if any. */
  noPersonalData?: string;
}

type ControllerType = new (...args: never[]) => object;

/** Every controller class of the application (each once), in discovery order. */
function controllerTypes(discovery: DiscoveryService): ControllerType[] {
  const types = new Set<ControllerType>();
  for (const wrapper of discovery.getControllers()) {
    const type = wrapper.metatype as ControllerType | undefined;
    if (type) types.add(type);
  }
  return [...types];
}

/** What every controller of the application declares about personal data. */
export function controllerDeclarations(discovery: DiscoveryService): ControllerDeclaration[] {
  return controllerTypes(discovery).map((type) => {
    const reason = Reflect.getMetadata(NO_PERSONAL_DATA, type) as string | undefined;
    return {
      controller: type.name,
      personalData: Reflect.getMetadata(PERSONAL_DATA, type) === true,
      ...(reason !== undefined ? { noPersonalData: reason } : {}),
    };
  });
}

/** Every route handler of a `@PersonalData()` controller, with whether it declares its audit. */
export function personalDataRoutes(
  discovery: DiscoveryService,
  scanner: MetadataScanner,
): Array<{ route: string; declared: boolean }> {
  const routes: Array<{ route: string; declared: boolean }> = [];
  for (const type of controllerTypes(discovery)) {
    if (!Reflect.getMetadata(PERSONAL_DATA, type)) continue;
    for (const name of scanner.getAllMethodNames(type.prototype)) {
      const handler = (type.prototype as Record<string, unknown>)[name] as object;
      if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
      routes.push({
        route: `${type.name}.${name}`,
        declared: Reflect.getMetadata(AUDITED, handler) !== undefined,
      });
    }
  }
  return routes;
}

/**
 * Startup check, deny by default (like the auth RoutePolicyCheck): the service does not start
 * while any controller declares neither `@PersonalData()` nor `@NoPersonalData(reason)` (or
 * both), nor while a route of a personal-data controller declares no audit. No controller is
 * exempt: the platform's own (health) declares itself like any other.
 */
@Injectable()
export class AuditedRouteCheck implements OnModuleInit {
  private readonly logger = new Logger('Audit');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onModuleInit(): void {
    const controllers = controllerDeclarations(this.discovery);
    const undeclared = controllers
      .filter((c) => !c.personalData && c.noPersonalData === undefined)
      .map((c) => c.controller);
    const contradictory = controllers
      .filter((c) => c.personalData && c.noPersonalData !== undefined)
      .map((c) => c.controller);
    if (undeclared.length || contradictory.length)
      throw new UndeclaredPersonalDataError(undeclared, contradictory);
    const routes = personalDataRoutes(this.discovery, this.scanner);
    const unaudited = routes.filter((r) => !r.declared).map((r) => r.route);
    if (unaudited.length) throw new UnauditedRouteError(unaudited);
    const personal = controllers.filter((c) => c.personalData).length;
    this.logger.log(
      `${controllers.length} controllers declared (${personal} with personal data); ` +
        `${routes.length} personal-data routes, each audited`,
    );
  }
}
