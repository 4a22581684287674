import {
  Inject,
  Injectable,
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhooksController } from './webhooks.controller';
import { WEBHOOK_SETTINGS, WebhooksService, type WebhookSettings } from './webhooks.service';

export interface WebhookModuleOptions extends WebhookSettings {
  retryScheduleMs: readonly number[];
  timeoutMs: number;
  disableAfterMs: number;
}

/** Starts the dispatcher with the application and stops it (its requests in hand finished) before connections close. */
@Injectable()
class WebhookDispatcherLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(@Inject(WebhookDispatcher) private readonly dispatcher: WebhookDispatcher) {}

  onApplicationBootstrap(): void {
    this.dispatcher.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.dispatcher.stop();
  }
}

@Module({})
export class WebhooksModule {
  static forRoot(options: WebhookModuleOptions): DynamicModule {
    return {
      module: WebhooksModule,
      imports: [TypeOrmModule.forFeature([WebhookEndpoint])],
      controllers: [WebhooksController],
      providers: [
        { provide: WEBHOOK_SETTINGS, useValue: { keyring: options.keyring, policy: options.policy } },
        WebhooksService,
        {
          provide: WebhookDispatcher,
          inject: [DataSource],
          useFactory: (dataSource: DataSource) =>
            new WebhookDispatcher({
              dataSource,
              keyring: options.keyring,
              policy: options.policy,
              retryScheduleMs: options.retryScheduleMs,
              timeoutMs: options.timeoutMs,
              disableAfterMs: options.disableAfterMs,
              logger: new Logger('Webhooks'),
            }),
        },
        WebhookDispatcherLifecycle,
      ],
      exports: [WebhooksService, WebhookDispatcher],
    };
  }
}
