import 'reflect-metadata';
import { Logger, type LogLevel, type Type, type DynamicModule } from '@nestjs/common';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { DEFAULT_BODY_LIMIT_BYTES, hardenHttp, type CsvBodies } from './hardening';
import { documentValidatedInputs } from './openapi';
import { ProblemDetailsFilter } from './problem-details.filter';
import { traceRequests } from './request-tracing';
import { TEMPORAL_LEVEL, usePlatformLogForTemporal } from '@throughcare/platform-temporal';
import {
  leastSevere,
  PinoNestLogger,
  pinoLevelOf,
  serviceLogger,
  startTracing,
} from '@throughcare/platform-observability';

export interface BootstrapOptions {
  module: Type<unknown> | DynamicModule;
  /** Service name, shown in logs and the OpenAPI title. */
  name: string;
  /** 0 picks a free port (tests). */
  port: number;
  host?: string;
  version?: string;
  /** Least severe level logged (LOG_LEVEL); defaults to `log`. */
  logLevel?: LogLevel;
  logLevels?: LogLevel[];
  /** Largest request body accepted (413 beyond it); default DEFAULT_BODY_LIMIT_BYTES (256 KiB). */
  bodyLimitBytes?: number;
  /** Routes that take a text/csv body (a file import), and its own limit. */
  csv?: CsvBodies;
}

/**
 * Creates and starts a service: Fastify adapter with the hardened edge (body limit, JSON depth,
 * security headers; see hardenHttp), problem+json errors, OpenAPI at `/docs` (JSON at
 * `/docs-json`), and shutdown hooks so SIGTERM stops the worker, relay and connections.
 *
 * Observability: the process's tracer provider (`startTracing`), JSON logs through pino for Nest
 * and every `new Logger(context)` at the app's level, and a correlation id and server span per
 * request (`traceRequests`).
 */
export async function bootstrapService(options: BootstrapOptions): Promise<NestFastifyApplication> {
  const bodyLimitBytes = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  startTracing(options.name);
  const levels = options.logLevels ?? [options.logLevel ?? 'log'];
  const logger = serviceLogger(options.name, pinoLevelOf(levels));
  // The activity workers' lines too (a no-op where the Runtime's logger is already chosen).
  usePlatformLogForTemporal(TEMPORAL_LEVEL[leastSevere(levels) ?? 'fatal']);
  const app = await NestFactory.create<NestFastifyApplication>(
    options.module,
    new FastifyAdapter({ logger: false, bodyLimit: bodyLimitBytes }),
    // Nest's own body parsers off: hardenHttp installs the one JSON parser (limit, depth).
    { logger: new PinoNestLogger(logger), bodyParser: false },
  );
  traceRequests(app.getHttpAdapter().getInstance(), logger);
  await hardenHttp(app, { bodyLimitBytes, csv: options.csv });
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(`Throughcare ${options.name} service`)
      .setVersion(options.version ?? '0.1.0')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'An OAuth2 access token from the configured identity provider (client credentials; ' +
          '`resource` = urn:throughcare:<service>). Routes without a lock are public.',
      })
      .build(),
  );
  documentValidatedInputs(controllersOf(app), document as never);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  await app.listen(options.port, options.host ?? '0.0.0.0');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  new Logger(options.name).log(`listening on port ${port}; OpenAPI at /docs`);
  return app;
}

/** Every controller class the app registered (each module's). */
function controllersOf(app: NestFastifyApplication): Set<new (...args: never[]) => unknown> {
  const controllers = new Set<new (...args: never[]) => unknown>();
  for (const module of app.get(ModulesContainer).values())
    for (const wrapper of module.controllers.values())
      if (typeof wrapper.metatype === 'function')
        controllers.add(wrapper.metatype as new (...args: never[]) => unknown);
  return controllers;
}

/** The port a started app listens on (useful with `port: 0`). */
export function listeningPort(app: NestFastifyApplication): number {
  const address = app.getHttpServer().address();
  if (typeof address !== 'object' || address === null) throw new Error('app is not listening');
  return address.port;
}
