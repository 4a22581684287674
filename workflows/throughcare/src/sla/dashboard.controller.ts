import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Client } from '@temporalio/client';
import { SearchAttributes, Stages, THROUGHCARE_WORKFLOW_TYPE, type Stage } from '@throughcare/contracts';
import { NoPersonalData } from '@throughcare/platform-audit';
import { Access } from '@throughcare/platform-auth';
import { TEMPORAL_CLIENT } from '@throughcare/platform-http';
import { AttentionService } from '../attention/attention.service';
import { SlaService } from './sla.service';

export interface DashboardView {
  /** Running journeys per stage, from Temporal visibility (the attrition funnel's current shape). */
  journeysByStage: Record<Stage, number>;
  breaches: Awaited<ReturnType<SlaService['summary']>>;
  /** Journeys holding an open attention item (Temporal: NeedsAttention = true). */
  journeysNeedingAttention: number;
  /** Open attention items by who must act (the operator list: /attention). */
  attention: Awaited<ReturnType<AttentionService['openSummary']>>;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * For managers: where people are in the journey, and which clocks are missed how often. Managers
 * and operators only: the JSON with a bearer token or a dashboard session, the HTML page after
 * staff sign-in (../dashboard: without a session, GET /dashboard goes to the identity provider).
 */
@ApiTags('dashboard')
@NoPersonalData('aggregate counts by stage, clock and who must act; names no person')
@Controller('dashboard')
export class DashboardController {
  constructor(
    private readonly sla: SlaService,
    private readonly attention: AttentionService,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
  ) {}

  @Get('data')
  @Access('manager', 'operator')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Journeys per stage and SLA breaches per clock (JSON)' })
  @ApiResponse({ status: 401, description: 'No valid access token (problem+json; WWW-Authenticate: Bearer)' })
  async data(): Promise<DashboardView> {
    const counts = await Promise.all(
      Stages.map(async (stage) => {
        // Running executions only: a journey that continued as new has one running execution
        // (and closed ones of its earlier runs, which must not count twice).
        const query = `WorkflowType = '${THROUGHCARE_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND ${SearchAttributes.stage.name} = '${stage}'`;
        return [stage, (await this.temporal.workflow.count(query)).count] as const;
      }),
    );
    const needing = await this.temporal.workflow.count(
      `WorkflowType = '${THROUGHCARE_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND ${SearchAttributes.needsAttention.name} = true`,
    );
    return {
      journeysByStage: Object.fromEntries(counts) as Record<Stage, number>,
      breaches: await this.sla.summary(),
      journeysNeedingAttention: needing.count,
      attention: await this.attention.openSummary(),
    };
  }

  @Get()
  @Access('manager', 'operator')
  @ApiBearerAuth()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'The same counts as an HTML page (managers and operators: staff sign-in, or a bearer token)',
  })
  async page(): Promise<string> {
    const { journeysByStage, breaches, journeysNeedingAttention, attention } = await this.data();
    const attentionRows =
      attention
        .map(
          (a) => `<tr><td>${escape(a.mustAct)}</td><td>${a.open}</td><td>${escape(a.oldestSince)}</td></tr>`,
        )
        .join('') || '<tr><td colspan="3">Nothing waits on an operator</td></tr>';
    const stageRows = Stages.map((s) => `<tr><td>${s}</td><td>${journeysByStage[s]}</td></tr>`).join('');
    const breachRows =
      breaches
        .map(
          (b) =>
            `<tr><td>${escape(b.clock)}</td><td>${b.breached}</td><td>${b.open}</td><td>${b.metLate}</td><td>${b.meanLatenessMinutes ?? '–'}</td></tr>`,
        )
        .join('') || '<tr><td colspan="5">No breaches recorded</td></tr>';
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Throughcare: SLA dashboard</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}table{border-collapse:collapse;margin-bottom:2rem}td,th{border:1px solid #999;padding:.3rem .7rem;text-align:left}</style></head>
<body><h1>Throughcare</h1>
<p>Counts only. <a href="/dashboard/sign-out">Sign out</a></p>
<h2>Journeys by stage</h2><table><tr><th>Stage</th><th>Journeys</th></tr>${stageRows}</table>
<h2>Needs attention</h2><p>${journeysNeedingAttention} journeys hold an open attention item (Temporal UI: <code>NeedsAttention = true</code>). The list: <a href="/attention">/attention</a></p>
<table><tr><th>Who must act</th><th>Open items</th><th>Oldest since</th></tr>${attentionRows}</table>
<h2>SLA breaches by clock</h2><table><tr><th>Clock</th><th>Breached</th><th>Still open</th><th>Met late</th><th>Mean lateness (min)</th></tr>${breachRows}</table>
<p>Details: <a href="/breaches">/breaches</a> · API: <a href="/docs">/docs</a></p></body></html>`;
  }
}
