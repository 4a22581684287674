import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { NoPersonalData } from '@throughcare/platform-audit';
import { PublicRoute } from '@throughcare/platform-auth';
import { HealthService, type HealthReport } from './health.service';

const componentsSchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['UP', 'DOWN'] },
    components: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: { status: { type: 'string', enum: ['UP', 'DOWN'] } },
      },
    },
  },
};

@ApiTags('health')
@PublicRoute('liveness and readiness for the supervisor and load balancers; names no person')
@NoPersonalData('dependency status (UP/DOWN per component); names no person')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOperation({ summary: 'Status of this service and each dependency it was configured with' })
  @ApiResponse({ status: 200, description: 'All dependencies UP', schema: componentsSchema })
  @ApiResponse({ status: 503, description: 'At least one dependency DOWN', schema: componentsSchema })
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    const report = await this.health.report();
    void reply.status(report.status === 'UP' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}
