export const DASHBOARD_SIGN_IN_OPTIONS = Symbol('DASHBOARD_SIGN_IN_OPTIONS');

export interface DashboardSignInOptions {
  /** The identity provider (OpenID Connect discovery at `<issuer>/.well-known/openid-configuration`). */
  issuer: string;
  /** The orchestrator's public URL (the redirect URI is `<publicUrl>/dashboard/callback`). */
  publicUrl: string;
  clientId: string;
  clientSecret: string;
  /** 32-byte key sealing the session cookies. */
  sessionKey: Buffer;
  /** The access tokens' audience (this service's resource indicator). */
  audience: string;
  clockToleranceSeconds: number;
  /**
   * The Temporal UI's origin (TEMPORAL_UI_ORIGIN): a signed-in operator's codec cookie is taken
   * on `POST /codec/decode|encode` only from it.
   */
  codecOrigin: string;
}
