import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

/** A minimal issuer: discovery and a JWKS whose keys a test can rotate. Real HTTP, real crypto. */
export class TestIssuer {
  keys: {
    kid: string;
    privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
    publicJwk: JWK;
  }[] = [];
  jwksFetches = 0;
  discoveryIssuer?: string;
  /** Overrides the discovery document's jwks_uri. */
  discoveryJwksUri?: string;
  /** Answer the key set with this HTTP status instead of the keys. */
  jwksFailure?: number;
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.url === '/.well-known/openid-configuration') {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            issuer: this.discoveryIssuer ?? this.url,
            jwks_uri: this.discoveryJwksUri ?? `${this.url}/jwks`,
          }),
        );
      } else if (req.url === '/jwks') {
        this.jwksFetches++;
        if (this.jwksFailure) {
          res.writeHead(this.jwksFailure).end('unavailable');
          return;
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: this.keys.map((k) => k.publicJwk) }));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  async addKey(kid: string): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    this.keys.unshift({
      kid,
      privateKey,
      publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' },
    });
  }

  async token(
    claims: JWTPayload,
    options: { kid?: string; exp?: number; nbf?: number; iss?: string; aud?: string; typ?: string } = {},
  ) {
    const key = options.kid ? this.keys.find((k) => k.kid === options.kid)! : this.keys[0]!;
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({ client_id: 'c1', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: options.typ ?? 'at+jwt' })
      .setSubject(typeof claims.sub === 'string' ? claims.sub : 'c1')
      .setIssuer(options.iss ?? this.url)
      .setAudience(options.aud ?? 'urn:throughcare:referral')
      .setIssuedAt(now)
      .setExpirationTime(options.exp ?? now + 300);
    if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
    return jwt.sign(key.privateKey);
  }
}
