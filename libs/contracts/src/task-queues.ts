/** Temporal task queues: one per bounded context, plus the journey workflows' own queue. */
export const TaskQueues = {
  throughcare: 'throughcare',
  assessment: 'assessment',
  referral: 'referral',
  liberation: 'liberation',
  directory: 'directory',
} as const;
export type TaskQueue = (typeof TaskQueues)[keyof typeof TaskQueues];
