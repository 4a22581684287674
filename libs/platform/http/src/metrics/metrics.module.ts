import { Inject, Injectable, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import type { NatsConnection } from '@nats-io/nats-core';
import { DataSource } from 'typeorm';
import { NATS_CONNECTION } from '../platform.module';
import { MetricsController } from './metrics.controller';
import { METRICS_OPTIONS, MetricsService, type MetricsOptions } from './metrics.service';
import { consumersSource, deadLettersSource, outboxSource } from './platform-sources';

export interface MetricsModuleOptions extends MetricsOptions {
  /**
   * Also report the dead-letter stream's depth (`throughcare_dead_letters`): one app per
   * deployment (the orchestrator, which answers for the dead letters), so that summing the apps'
   * figures does not count a letter once per app.
   */
  deadLetters?: boolean;
}

const MODULE_OPTIONS = Symbol('METRICS_MODULE_OPTIONS');

/** Adds what every app reports: its outbox, its durable consumers, and (when asked) the dead letters. */
@Injectable()
class PlatformMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly dataSource: DataSource,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly discovery: DiscoveryService,
    @Inject(MODULE_OPTIONS) private readonly options: MetricsModuleOptions,
  ) {}

  onModuleInit(): void {
    this.metrics.addSource(outboxSource(this.dataSource));
    this.metrics.addSource(consumersSource(this.nc, this.discovery));
    if (this.options.deadLetters) this.metrics.addSource(deadLettersSource(this.nc));
  }
}

/**
 * `GET /metrics` (Prometheus text format) with the app's own registry: Node's default metrics, the
 * Temporal core SDK's (workflow task and activity latencies), the outbox backlog, the app's durable
 * consumers. Each app's module imports it (after PlatformModule, whose database and NATS it reads)
 * and may add figures of its own with `MetricsService.addSource`.
 */
@Module({})
export class MetricsModule {
  static forRoot(options: MetricsModuleOptions = {}): DynamicModule {
    return {
      module: MetricsModule,
      imports: [DiscoveryModule],
      controllers: [MetricsController],
      providers: [
        { provide: METRICS_OPTIONS, useValue: options },
        { provide: MODULE_OPTIONS, useValue: options },
        MetricsService,
        PlatformMetrics,
      ],
      exports: [MetricsService],
    };
  }
}
