import { Inject, Injectable, Logger } from '@nestjs/common';
import { HEALTH_CHECKS, type HealthCheck, type HealthStatus } from './health-check';

export interface HealthReport {
  status: HealthStatus;
  components: Record<string, { status: HealthStatus }>;
}

const CHECK_TIMEOUT_MS = 2000;

@Injectable()
export class HealthService {
  private readonly logger = new Logger('Health');

  constructor(@Inject(HEALTH_CHECKS) private readonly checks: HealthCheck[]) {}

  async report(): Promise<HealthReport> {
    const results = await Promise.all(this.checks.map(async (c) => [c.name, await this.probe(c)] as const));
    const components = Object.fromEntries(results.map(([name, status]) => [name, { status }]));
    const status: HealthStatus = results.every(([, s]) => s === 'UP') ? 'UP' : 'DOWN';
    return { status, components };
  }

  private async probe(check: HealthCheck): Promise<HealthStatus> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
        CHECK_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([check.check(), timeout]);
      return 'UP';
    } catch (error) {
      this.logger.warn(`${check.name} is DOWN: ${error instanceof Error ? error.message : String(error)}`);
      return 'DOWN';
    } finally {
      clearTimeout(timer);
    }
  }
}
