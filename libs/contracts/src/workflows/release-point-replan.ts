/**
 * Issue 10: a change of release point (e.g. short sentences from 40% to 30%) re-plans every
 * person it reaches. The liberation service owns the data and the activities (task queue
 * `liberation`); the orchestrator's worker runs the workflow `releasePointReplan`, one execution
 * per phase of a run: `replan-<runId>-dry-run`, then `replan-<runId>-apply`.
 */
export type ReplanPhase = 'DRY_RUN' | 'APPLY';

/** Where a phase stands: the last episode it finished, by (personId, episode). */
export interface ReplanCursor {
  personId: string;
  episode: number;
}

/** Counts of one phase so far. */
export interface ReplanProgress {
  /** Dry run: open episodes with a sentence calculation, looked at. Apply: proposals looked at. */
  scanned: number;
  /** Dry run: those whose release date the change moves. Apply: recorded with the new dates. */
  changed: number;
  /** Apply: proposals no longer current (released, or recalculated since the dry run). */
  skipped: number;
  /** Pages done (one activity call each). */
  pages: number;
}

export const NO_REPLAN_PROGRESS: ReplanProgress = { scanned: 0, changed: 0, skipped: 0, pages: 0 };

export interface ReplanWorkflowInput {
  runId: string;
  phase: ReplanPhase;
  /** Episodes per activity call (default 100). */
  pageSize?: number;
  /** Pause between pages, so the platform stays responsive (default 200 ms). */
  pauseMs?: number;
  /** Pages per workflow run before it continues as new (default 50), besides the server's suggestion. */
  pagesPerRun?: number;
  /** Carried across continue-as-new. */
  cursor?: ReplanCursor | null;
  progress?: ReplanProgress;
}

export interface ReplanPageResult {
  /** The last episode of the page; null when the phase has nothing after it. */
  next: ReplanCursor | null;
  scanned: number;
  changed: number;
  skipped: number;
}

export interface ReplanActivities {
  /** Dry run: looks at the next page of episodes and keeps a proposal for each whose dates move. Idempotent. */
  replanDryRunPage(input: {
    runId: string;
    after: ReplanCursor | null;
    limit: number;
  }): Promise<ReplanPageResult>;
  /** Apply: adopts the run's policy record (once), so every later calculation uses it. Idempotent. */
  replanAdoptPolicy(input: { runId: string }): Promise<void>;
  /** Apply: records the next page of proposals (each in its own transaction). Idempotent. */
  replanApplyPage(input: {
    runId: string;
    after: ReplanCursor | null;
    limit: number;
  }): Promise<ReplanPageResult>;
  /** Marks the phase done on the run with its counts. Idempotent. */
  replanFinishPhase(input: { runId: string; phase: ReplanPhase; progress: ReplanProgress }): Promise<void>;
}

export const RELEASE_POINT_REPLAN_WORKFLOW = 'releasePointReplan';

export function replanWorkflowId(runId: string, phase: ReplanPhase): string {
  return `replan-${runId}-${phase === 'DRY_RUN' ? 'dry-run' : 'apply'}`;
}
