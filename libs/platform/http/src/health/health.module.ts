import { Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import { HEALTH_CHECKS, type HealthCheck } from './health-check';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

export interface HealthModuleOptions {
  imports?: ModuleMetadata['imports'];
  inject?: Array<string | symbol | Function>; // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  useFactory: (...deps: never[]) => HealthCheck[] | Promise<HealthCheck[]>;
}

/** `/health` built from the dependencies the service is configured with. */
@Module({})
export class HealthModule {
  static register(options: HealthModuleOptions): DynamicModule {
    const checks: Provider = {
      provide: HEALTH_CHECKS,
      useFactory: options.useFactory,
      inject: options.inject ?? [],
    };
    return {
      module: HealthModule,
      imports: options.imports ?? [],
      controllers: [HealthController],
      providers: [checks, HealthService],
    };
  }
}
