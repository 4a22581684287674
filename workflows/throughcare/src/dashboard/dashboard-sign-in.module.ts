import {
  Module,
  RequestMethod,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import { DashboardSessionMiddleware } from './dashboard-session.middleware';
import { DashboardSignInController } from './dashboard-sign-in.controller';
import { DASHBOARD_SIGN_IN_OPTIONS, type DashboardSignInOptions } from './dashboard-sign-in.options';

/** Staff sign-in to the dashboard and its session cookie (see DashboardSignInController). */
@Module({})
export class DashboardSignInModule implements NestModule {
  static register(options: DashboardSignInOptions): DynamicModule {
    return {
      module: DashboardSignInModule,
      controllers: [DashboardSignInController],
      providers: [{ provide: DASHBOARD_SIGN_IN_OPTIONS, useValue: options }, DashboardSessionMiddleware],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(DashboardSessionMiddleware)
      .forRoutes(
        { path: 'dashboard', method: RequestMethod.GET },
        { path: 'dashboard/data', method: RequestMethod.GET },
        { path: 'dashboard/cases', method: RequestMethod.GET },
        { path: 'codec/decode', method: RequestMethod.POST },
        { path: 'codec/encode', method: RequestMethod.POST },
      );
  }
}
