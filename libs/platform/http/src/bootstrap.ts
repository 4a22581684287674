import 'reflect-metadata';
import { Logger, type LogLevel, type Type, type DynamicModule } from '@nestjs/common';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { DEFAULT_BODY_LIMIT_BYTES, hardenHttp, type CsvBodies } from './hardening';
import { documentValidatedInputs } from './openapi';
import { ProblemDetailsFilter } from './problem-details.filter';

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

const severity: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

function levelsFrom(least: LogLevel): LogLevel[] {
  return severity.slice(0, severity.indexOf(least) + 1);
}

/**
 * Creates and starts a service: Fastify adapter with the hardened edge (body limit, JSON depth,
 * security headers; see hardenHttp), problem+json errors, OpenAPI at `/docs` (JSON at
 * `/docs-json`), and shutdown hooks so SIGTERM stops the worker, relay and connections.
 */
export async function bootstrapService(options: BootstrapOptions): Promise<NestFastifyApplication> {
  const bodyLimitBytes = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const app = await NestFactory.create<NestFastifyApplication>(
    options.module,
    new FastifyAdapter({ logger: false, bodyLimit: bodyLimitBytes }),
    // Nest's own body parsers off: hardenHttp installs the one JSON parser (limit, depth).
    { logger: options.logLevels ?? levelsFrom(options.logLevel ?? 'log'), bodyParser: false },
  );
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
