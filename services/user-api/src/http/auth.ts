import fs from 'node:fs';
import type { Middleware } from 'koa';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { forbidden, unauthorized } from '../domain/errors.js';

/** Where the keys that sign accepted tokens come from, and what a token must say. */
export interface AuthConfig {
  /** An OIDC provider's JWKS endpoint, or a JWKS file (development, tests). */
  keys: { kind: 'url'; url: string } | { kind: 'file'; path: string };
  issuer: string;
  audience: string;
  algorithms: string[];
  clockToleranceSeconds: number;
}

/** Who called, as a verified token says. */
export interface Caller {
  subject: string;
  scopes: ReadonlySet<string>;
}

export type TokenVerifier = (token: string) => Promise<Caller>;

/**
 * OAuth2 bearer tokens (JWT), verified by jose: signature against the key set, `iss`, `aud`,
 * `exp`/`nbf` (with a small clock tolerance), and only the configured algorithms, so an
 * unsigned (`alg: none`) or HMAC token never passes. Scopes from `scope` (space-separated, RFC
 * 8693) or `scp` (a list, as some providers send).
 */
export function createTokenVerifier(config: AuthConfig): TokenVerifier {
  const keySet: JWTVerifyGetKey =
    config.keys.kind === 'url'
      ? createRemoteJWKSet(new URL(config.keys.url))
      : createLocalJWKSet(JSON.parse(fs.readFileSync(config.keys.path, 'utf8')));
  return async (token) => {
    const { payload } = await jwtVerify(token, keySet, {
      issuer: config.issuer,
      audience: config.audience,
      algorithms: config.algorithms,
      clockTolerance: config.clockToleranceSeconds,
      requiredClaims: ['sub', 'exp'],
    });
    const listed = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    const scp = Array.isArray(payload.scp)
      ? payload.scp.filter((s): s is string => typeof s === 'string')
      : [];
    // requiredClaims made sure `sub` is there.
    return { subject: String(payload.sub), scopes: new Set([...listed, ...scp].filter(Boolean)) };
  };
}

const REALM = 'realm="user-api"';

/**
 * Requires a bearer token carrying `scope`: 401 without a valid token (RFC 6750: the reason in
 * WWW-Authenticate and the problem document), 403 when the token lacks the scope. The caller is
 * left in ctx.state.caller.
 */
export function requireScope(verify: TokenVerifier, scope: string): Middleware {
  return async (ctx, next) => {
    const header = ctx.get('Authorization');
    const token = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header)?.[1];
    if (!token) {
      ctx.set('WWW-Authenticate', `Bearer ${REALM}, scope="${scope}"`);
      throw unauthorized(header ? 'Authorization must be "Bearer <token>"' : 'a bearer token is required');
    }
    let caller: Caller;
    try {
      caller = await verify(token);
    } catch (error) {
      const reason = describeTokenError(error);
      ctx.set('WWW-Authenticate', `Bearer ${REALM}, error="invalid_token", error_description="${reason}"`);
      throw unauthorized(reason);
    }
    if (!caller.scopes.has(scope)) {
      ctx.set('WWW-Authenticate', `Bearer ${REALM}, error="insufficient_scope", scope="${scope}"`);
      throw forbidden(scope);
    }
    ctx.state.caller = caller;
    await next();
  };
}

/** Why a token was refused, in words safe to send back (no key material, no token contents). */
function describeTokenError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed)
    return `the token's ${error.claim} claim is not accepted`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token algorithm is not accepted';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no known key signed the token';
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JOSENotSupported)
    return 'the token cannot be verified';
  return 'the token is not valid';
}
