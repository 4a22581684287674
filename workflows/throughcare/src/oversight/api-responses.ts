/** The reporting routes' common OpenAPI answers (the ledger, the funnel, outcomes, the dashboard). */
export const UNAUTHENTICATED = {
  status: 401,
  description: 'No valid access token (problem+json; WWW-Authenticate: Bearer)',
} as const;
export const INVALID_QUERY = {
  status: 400,
  description: 'Invalid query (problem+json naming each field)',
} as const;
