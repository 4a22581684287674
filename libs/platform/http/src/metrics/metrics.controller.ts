import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { NoPersonalData } from '@throughcare/platform-audit';
import { Access } from '@throughcare/platform-auth';
import { MetricsService } from './metrics.service';

/**
 * `/metrics` for Prometheus: a scrape job's client (role `metrics-reader`, which opens this route
 * and no other) or an operator; see the README's operator guide. The figures are the same breaches
 * per establishment, stage counts and queues the dashboard and /breaches show to managers and
 * operators only.
 */
@ApiTags('metrics')
@ApiBearerAuth()
@Access('metrics-reader', 'operator')
@NoPersonalData(
  'aggregate counts and process figures only; labels are codes, stages, stream, consumer and task queue names, never a person id or free text',
)
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary:
      "This app's metrics in the Prometheus text format (a scrape job's metrics-reader client, or an operator)",
    description:
      'Node process metrics; the outbox backlog; per durable consumer of this app its pending, unacknowledged and dead-lettered messages; the Temporal core SDK metrics of its workers (workflow task and activity latencies); on the orchestrator also open SLA breaches, running journeys by stage, open attention items and the dead-letter stream depth. Figures read from Postgres, NATS or Temporal are reused for a few seconds; one that cannot be read in time is left out and counted in throughcare_metrics_collect_errors_total{source}.',
  })
  @ApiProduces('text/plain')
  @ApiResponse({
    status: 200,
    description: 'text/plain; version=0.0.4: the Prometheus text exposition format',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  @ApiResponse({
    status: 401,
    description: 'No valid access token (problem+json; WWW-Authenticate: Bearer)',
  })
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const text = await this.metrics.scrape();
    void reply.header('content-type', this.metrics.contentType);
    return text;
  }
}
