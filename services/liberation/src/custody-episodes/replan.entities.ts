import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Jurisdiction, ReplanCursor, ReplanProgress } from '@throughcare/contracts';
import type { ReleasePointPolicy } from '@throughcare/domain';

/** A proposed release-point record as a re-plan carries it: its version is given when adopted. */
export type ProposedReleasePoint = Omit<ReleasePointPolicy, 'version'>;

/** One requested change of release point for a cohort, its dry run and its apply step (migration 1000). */
@Entity({ name: 'replan_run' })
export class ReplanRun {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  jurisdiction!: Jurisdiction;

  @Column('text', { name: 'policy_id' })
  policyId!: string;

  @Column('jsonb')
  policy!: ProposedReleasePoint;

  @Column('text')
  reason!: string;

  @Column('text', { array: true })
  establishments!: string[];

  /** The day the dry run read the law at (the day it was requested); the proposed record applies from its own commencement. */
  @Column('date', { name: 'as_at' })
  asAt!: string;

  @Column('integer', { name: 'page_size' })
  pageSize!: number;

  @Column('integer', { name: 'pause_ms' })
  pauseMs!: number;

  /** Pages per workflow run before it continues as new. */
  @Column('integer', { name: 'pages_per_run' })
  pagesPerRun!: number;

  @Column('timestamptz', { name: 'requested_at' })
  requestedAt!: Date;

  @Column('text', { name: 'requested_by' })
  requestedBy!: string;

  @Column('timestamptz', { name: 'dry_run_done_at', nullable: true })
  dryRunDoneAt!: Date | null;

  @Column('integer', { nullable: true })
  scanned!: number | null;

  @Column('integer', { nullable: true })
  affected!: number | null;

  @Column('timestamptz', { name: 'apply_requested_at', nullable: true })
  applyRequestedAt!: Date | null;

  @Column('text', { name: 'apply_requested_by', nullable: true })
  applyRequestedBy!: string | null;

  @Column('timestamptz', { name: 'applied_at', nullable: true })
  appliedAt!: Date | null;

  @Column('integer', { nullable: true })
  applied!: number | null;

  @Column('integer', { nullable: true })
  skipped!: number | null;

  /** Items the dry run found NEEDS_REVIEW (migration 1500); null until it is done. */
  @Column('integer', { name: 'dry_run_needs_review', nullable: true })
  dryRunNeedsReview!: number | null;

  /**
   * Open episodes in scope with no sentence calculation when the dry run finished (migration
   * 1800): their dates were given by hand, and no re-plan moves them. Null until done.
   */
  @Column('integer', { name: 'dry_run_uncalculated', nullable: true })
  dryRunUncalculated!: number | null;

  /** Items the apply step recorded but whose date a decision kept (NEEDS_REVIEW); null until done. */
  @Column('integer', { name: 'needs_review', nullable: true })
  needsReview!: number | null;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;

  /** The last episode the apply step finished a page at, written by the page (migration 3300): where a resume starts. */
  @Column('jsonb', { name: 'apply_cursor', nullable: true })
  applyCursor!: ReplanCursor | null;

  /** The apply step's counts up to `applyCursor`. */
  @Column('jsonb', { name: 'apply_progress', nullable: true })
  applyProgress!: ReplanProgress | null;

  /** When the service found the apply's workflow stopped without completing (status FAILED while after the last resume). */
  @Column('timestamptz', { name: 'apply_failed_at', nullable: true })
  applyFailedAt!: Date | null;

  @Column('text', { name: 'apply_failure_status', nullable: true })
  applyFailureStatus!: ReplanApplyFailureStatus | null;

  @Column('text', { name: 'apply_failure_reason', nullable: true })
  applyFailureReason!: string | null;

  /** The workflow run whose stop was recorded: each run's stop is recorded once. */
  @Column('text', { name: 'apply_failed_workflow_run_id', nullable: true })
  applyFailedWorkflowRunId!: string | null;

  @Column('jsonb', { name: 'apply_failed_cursor', nullable: true })
  applyFailedCursor!: ReplanCursor | null;

  @Column('jsonb', { name: 'apply_failed_progress', nullable: true })
  applyFailedProgress!: ReplanProgress | null;

  @Column('timestamptz', { name: 'apply_resumed_at', nullable: true })
  applyResumedAt!: Date | null;

  @Column('text', { name: 'apply_resumed_by', nullable: true })
  applyResumedBy!: string | null;

  @Column('integer', { name: 'apply_resumes', default: 0 })
  applyResumes!: number;

  /**
   * Open episodes with a sentence calculation held outside the run's establishments when its apply
   * was asked (the adopted record reaches them at their next recalculation, with no dry run of
   * theirs): 0 when none, more only when the caller adopted it for all establishments; null for a
   * run applied before this was asked (migration 3400).
   */
  @Column('integer', { name: 'apply_outside_scope', nullable: true })
  applyOutsideScope!: number | null;

  /** The same count when the dry run finished (null: not done, or done before migration 3400). */
  @Column('integer', { name: 'dry_run_outside_scope', nullable: true })
  dryRunOutsideScope!: number | null;
}

/** How an apply's workflow stopped without completing (Temporal's closed statuses other than COMPLETED and CONTINUED_AS_NEW). */
export type ReplanApplyFailureStatus = 'FAILED' | 'TERMINATED' | 'CANCELLED' | 'TIMED_OUT';

/**
 * PROPOSED (the dry run found its dates move), NEEDS_REVIEW (they move, but an HDC, parole or
 * early-release decision stands on the expected release date: the apply step records the
 * calculation and keeps the date), APPLIED, SKIPPED (with why).
 */
export type ReplanItemStatus = 'PROPOSED' | 'NEEDS_REVIEW' | 'APPLIED' | 'SKIPPED';

/** One episode a re-plan moves: the dates before and after, and what the apply step did. */
@Entity({ name: 'replan_item' })
export class ReplanItem {
  @PrimaryColumn('uuid', { name: 'run_id' })
  runId!: string;

  @PrimaryColumn('text', { name: 'person_id' })
  personId!: string;

  @PrimaryColumn('integer')
  episode!: number;

  /** Where the person was held when the item was written (its row-level security scope). */
  @Column('text', { name: 'establishment_code' })
  establishmentCode!: string;

  /** The sentence calculation version the item was worked out from. */
  @Column('integer', { name: 'version_before' })
  versionBefore!: number;

  @Column('text', { name: 'release_date_type' })
  releaseDateType!: 'CRD' | 'ARD';

  @Column('date', { name: 'old_release_date' })
  oldReleaseDate!: string;

  @Column('date', { name: 'new_release_date' })
  newReleaseDate!: string;

  /** Every calculated date, by type, before and after. */
  @Column('jsonb', { name: 'old_dates' })
  oldDates!: Record<string, string>;

  @Column('jsonb', { name: 'new_dates' })
  newDates!: Record<string, string>;

  @Column('text')
  status!: ReplanItemStatus;

  @Column('text', { name: 'skip_reason', nullable: true })
  skipReason!: string | null;

  @Column('integer', { name: 'applied_version', nullable: true })
  appliedVersion!: number | null;

  /** Why the new calculation does not move the expected release date (a decision stands on it). */
  @Column('text', { name: 'kept_because', nullable: true })
  keptBecause!: string | null;

  /**
   * Why the decision standing on the expected release date was set aside and the date moved (its
   * date is after the new release date, or HDC is no longer available by it): review the decision.
   */
  @Column('text', { name: 'decision_set_aside_because', nullable: true })
  decisionSetAsideBecause!: string | null;

  @Column('timestamptz', { name: 'decided_at', nullable: true })
  decidedAt!: Date | null;

  /** The new release date the dry run showed (null: not in the dry run, or an item before migration 3500). */
  @Column('date', { name: 'dry_run_release_date', nullable: true })
  dryRunReleaseDate!: string | null;

  /**
   * The apply recorded another release date than the dry run showed, or a person the dry run did
   * not show (null: not known, an item before migration 3500).
   */
  @Column('boolean', { name: 'differs_from_dry_run', nullable: true })
  differsFromDryRun!: boolean | null;
}

/** A release-point record adopted by an applied re-plan: later calculations read it. */
@Entity({ name: 'adopted_release_point' })
export class AdoptedReleasePoint {
  @PrimaryColumn('text', { name: 'policy_id' })
  policyId!: string;

  @PrimaryColumn('integer')
  version!: number;

  @Column('jsonb')
  record!: ReleasePointPolicy;

  @Column('uuid', { name: 'run_id' })
  runId!: string;

  @Column('timestamptz', { name: 'adopted_at' })
  adoptedAt!: Date;
}
