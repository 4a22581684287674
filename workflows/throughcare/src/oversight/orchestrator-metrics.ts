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
 * Who must act on an attention item, as two bounded labels: the kind of party (`prison`, `agency`,
 * `prison_and_agency`, `operator`, or `other`) and the prison's code when a prison must act
 * (`none` otherwise). The journey's own wording (`prison:BAR and agency:<id>`, "operator (correct
 * the fact …)") stays in `/attention`: as a label it would multiply series by prisons × agencies.
 */
export function mustActLabels(mustAct: string): { must_act: string; establishment: string } {
  const prison = /\bprison:([A-Z0-9]{2,8})\b/.exec(mustAct);
  const agency = /\bagency:/.test(mustAct);
  const must_act = prison
    ? agency
      ? 'prison_and_agency'
      : 'prison'
    : agency
      ? 'agency'
      : /^operator\b/i.test(mustAct)
        ? 'operator'
        : 'other';
  return { must_act, establishment: prison ? prison[1]! : 'none' };
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
        labelNames: ['must_act', 'establishment'],
      },
      {
        name: 'throughcare_attention_oldest_open_age_seconds',
        help: 'How long the oldest open attention item has waited, by who must act',
        labelNames: ['must_act', 'establishment'],
      },
    ],
    collect: (report) =>
      runUnrestricted(async () => {
        const now = Date.now();
        const byLabel = new Map<
          string,
          { labels: ReturnType<typeof mustActLabels>; open: number; oldest: number }
        >();
        for (const row of await attention.openSummary()) {
          const labels = mustActLabels(row.mustAct);
          const key = `${labels.must_act}|${labels.establishment}`;
          const since = Date.parse(row.oldestSince);
          const seen = byLabel.get(key);
          byLabel.set(key, {
            labels,
            open: (seen?.open ?? 0) + row.open,
            oldest: Math.min(seen?.oldest ?? since, since),
          });
        }
        for (const { labels, open, oldest } of byLabel.values()) {
          report('throughcare_attention_items_open', open, labels);
          report('throughcare_attention_oldest_open_age_seconds', Math.max(0, (now - oldest) / 1000), labels);
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
