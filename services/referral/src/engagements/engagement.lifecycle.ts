/**
 * A request to engage, as data (issue 9, duty to engage): which actions each status allows, who
 * takes them and where they lead. The named body answers once (a body that can no longer engage
 * after saying it would tells the prison, which withdraws and asks again or asks another body);
 * the prison may withdraw a request still open.
 */
export const ENGAGEMENT_STATUSES = [
  'REQUESTED',
  'WILL_ENGAGE',
  'CANNOT_ENGAGE',
  'ENGAGED',
  'WITHDRAWN',
] as const;
export type EngagementStatus = (typeof ENGAGEMENT_STATUSES)[number];

export const ENGAGEMENT_ACTIONS = ['ANSWER', 'RECORD_ENGAGEMENT', 'WITHDRAW'] as const;
export type EngagementAction = (typeof ENGAGEMENT_ACTIONS)[number];

/** NAMED_BODY: the agency the request was made to, through its API. PRISON: the prison responsible. */
export type EngagementActor = 'NAMED_BODY' | 'PRISON';

export interface EngagementTransition {
  action: EngagementAction;
  by: EngagementActor;
  from: readonly EngagementStatus[];
  /** Where it leads; ANSWER leads to the answer given. */
  to: readonly EngagementStatus[];
  request: string;
}

export const ENGAGEMENT_LIFECYCLE: readonly EngagementTransition[] = [
  {
    action: 'ANSWER',
    by: 'NAMED_BODY',
    from: ['REQUESTED'],
    to: ['WILL_ENGAGE', 'CANNOT_ENGAGE'],
    request: 'POST /engagement-requests/{id}/answer',
  },
  {
    action: 'RECORD_ENGAGEMENT',
    by: 'NAMED_BODY',
    from: ['WILL_ENGAGE'],
    to: ['ENGAGED'],
    request: 'POST /engagement-requests/{id}/engagement',
  },
  {
    action: 'WITHDRAW',
    by: 'PRISON',
    from: ['REQUESTED', 'WILL_ENGAGE'],
    to: ['WITHDRAWN'],
    request: 'POST /prison/engagement-requests/{id}/withdrawal',
  },
];

/** The statuses in which a request still waits on the named body. */
export const OPEN_ENGAGEMENT_STATUSES: readonly EngagementStatus[] = ['REQUESTED', 'WILL_ENGAGE'];

/** The actions `by` may take on a request in `status`. */
export function allowedEngagementActions(status: EngagementStatus, by: EngagementActor): EngagementAction[] {
  return ENGAGEMENT_LIFECYCLE.filter((t) => t.by === by && t.from.includes(status)).map((t) => t.action);
}
