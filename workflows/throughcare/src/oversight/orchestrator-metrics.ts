import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import { MetricsService, TEMPORAL_CLIENT, type MetricsSource } from '@throughcare/platform-http';
import { runUnrestricted } from '@throughcare/platform-persistence';
import { AttentionService } from '../attention/attention.service';
import { runningJourneysByStage, runningJourneysNeedingAttention } from './journey-counts';
import { OwnerKind } from './ledger.schemas';
import { LedgerService } from './ledger.service';

/** The orchestrator's figures are a handful of GROUP BY counts and ten visibility counts: reused this long. */
export const ORCHESTRATOR_METRICS_CACHE_MS = 15_000;

/**
 * Who must act on an attention item, as a label: the journey's own wording (a service, `prison:<code>`,
 * `agency:<id>`, joined by " and "), bounded by the prisons and agencies configured. Anything
 * outside that alphabet (never expected) is counted under `other` rather than shown.
 */
export function mustActLabel(mustAct: string): string {
  return /^[A-Za-z0-9 :()._,-]{1,120}$/.test(mustAct) ? mustAct : 'other';
}

/** From the SLA ledger: breached clocks not met, per owner kind and establishment, and every clock by status. */
export function ledgerSource(ledger: LedgerService): MetricsSource {
  return {
    name: 'sla_ledger',
    cacheMs: ORCHESTRATOR_METRICS_CACHE_MS,
    gauges: [
      {
        name: 'throughcare_sla_breaches_open',
        help: 'SLA clocks breached and not met yet (ledger status BREACHED), by who owes them and establishment',
        labelNames: ['owner_kind', 'establishment'],
      },
      {
        name: 'throughcare_sla_clocks',
        help: 'SLA clocks in the ledger by who owes them and status (OPEN, MET, MET_LATE, BREACHED, CANCELLED)',
        labelNames: ['owner_kind', 'status'],
      },
    ],
    collect: (report) =>
      runUnrestricted(async () => {
        // LedgerService.summary (the /ledger/summary query): per owner kind, breached by establishment.
        await Promise.all(
          OwnerKind.options.map(async (ownerKind) => {
            const summary = await ledger.summary({
              groupBy: 'establishment',
              status: ['BREACHED'],
              ownerKind,
            });
            for (const row of summary.rows)
              report('throughcare_sla_breaches_open', row.breached, {
                owner_kind: ownerKind,
                establishment: row.group ?? 'none',
              });
          }),
        );
        const byOwner = await ledger.summary({ groupBy: 'owner' });
        for (const row of byOwner.rows) {
          const owner_kind = row.group ?? 'none';
          for (const [status, n] of [
            ['OPEN', row.open],
            ['MET', row.met],
            ['MET_LATE', row.metLate],
            ['BREACHED', row.breached],
            ['CANCELLED', row.cancelled],
          ] as const)
            report('throughcare_sla_clocks', n, { owner_kind, status });
        }
      }),
  };
}

/** From Temporal visibility: running journeys per stage (the dashboard's counts) and needing attention. */
export function journeysSource(temporal: Client): MetricsSource {
  return {
    name: 'journeys',
    cacheMs: ORCHESTRATOR_METRICS_CACHE_MS,
    gauges: [
      {
        name: 'throughcare_journeys_by_stage',
        help: 'Running journeys by stage (Temporal visibility; a journey that continued as new counts once)',
        labelNames: ['stage'],
      },
      {
        name: 'throughcare_journeys_needing_attention',
        help: 'Running journeys with an open attention item (their NeedsAttention search attribute)',
      },
    ],
    collect: async (report) => {
      const [byStage, needing] = await Promise.all([
        runningJourneysByStage(temporal),
        runningJourneysNeedingAttention(temporal),
      ]);
      for (const [stage, n] of Object.entries(byStage)) report('throughcare_journeys_by_stage', n, { stage });
      report('throughcare_journeys_needing_attention', needing);
    },
  };
}

/** From the attention module: open items by who must act, and how long the oldest has waited. */
export function attentionSource(attention: AttentionService): MetricsSource {
  return {
    name: 'attention',
    cacheMs: ORCHESTRATOR_METRICS_CACHE_MS,
    gauges: [
      {
        name: 'throughcare_attention_items_open',
        help: 'Open attention items (a journey waiting on a decision), by who must act',
        labelNames: ['must_act'],
      },
      {
        name: 'throughcare_attention_oldest_open_age_seconds',
        help: 'How long the oldest open attention item has waited, by who must act',
        labelNames: ['must_act'],
      },
    ],
    collect: (report) =>
      runUnrestricted(async () => {
        const now = Date.now();
        const byLabel = new Map<string, { open: number; oldest: number }>();
        for (const row of await attention.openSummary()) {
          const label = mustActLabel(row.mustAct);
          const since = Date.parse(row.oldestSince);
          const seen = byLabel.get(label);
          byLabel.set(label, {
            open: (seen?.open ?? 0) + row.open,
            oldest: Math.min(seen?.oldest ?? since, since),
          });
        }
        for (const [must_act, { open, oldest }] of byLabel) {
          report('throughcare_attention_items_open', open, { must_act });
          report('throughcare_attention_oldest_open_age_seconds', Math.max(0, (now - oldest) / 1000), {
            must_act,
          });
        }
      }),
  };
}

/** Adds the orchestrator's own figures to its /metrics (with the platform's: outbox, consumers, dead letters). */
@Injectable()
export class OrchestratorMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly ledger: LedgerService,
    private readonly attention: AttentionService,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
  ) {}

  onModuleInit(): void {
    this.metrics.addSource(ledgerSource(this.ledger));
    this.metrics.addSource(journeysSource(this.temporal));
    this.metrics.addSource(attentionSource(this.attention));
  }
}
