import fs from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

// A key set of one's own for development and tests, where there is no OIDC provider: the API
// reads its public half (AUTH_JWKS_FILE), `npm run token` signs with the private half. Never
// for production: there the provider's JWKS URL is the only key source.

export const DEV_ISSUER = 'https://dev.outbox-platform.local';
export const DEV_AUDIENCE = 'user-api';

const KID = 'dev-1';

/** Creates `jwks.json` and `signing-key.json` in `dir` unless they exist; returns the JWKS path. */
export async function ensureDevKeys(dir: string): Promise<string> {
  const jwksFile = path.join(dir, 'jwks.json');
  const keyFile = path.join(dir, 'signing-key.json');
  if (fs.existsSync(jwksFile) && fs.existsSync(keyFile)) return jwksFile;
  fs.mkdirSync(dir, { recursive: true });
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const pub: JWK = { ...(await exportJWK(publicKey)), kid: KID, alg: 'ES256', use: 'sig' };
  const priv: JWK = { ...(await exportJWK(privateKey)), kid: KID, alg: 'ES256' };
  fs.writeFileSync(keyFile, JSON.stringify(priv), { mode: 0o600 });
  fs.writeFileSync(jwksFile, JSON.stringify({ keys: [pub] }));
  return jwksFile;
}

/** A token signed with the development key in `dir`. */
export async function mintDevToken(
  dir: string,
  claims: { subject: string; scopes: string[]; expiresIn?: string; issuer?: string; audience?: string },
): Promise<string> {
  const jwk = JSON.parse(fs.readFileSync(path.join(dir, 'signing-key.json'), 'utf8')) as JWK;
  const key = await importJWK(jwk, 'ES256');
  return new SignJWT({ scope: claims.scopes.join(' ') })
    .setProtectedHeader({ alg: 'ES256', kid: KID, typ: 'JWT' })
    .setSubject(claims.subject)
    .setIssuer(claims.issuer ?? DEV_ISSUER)
    .setAudience(claims.audience ?? DEV_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '1h')
    .sign(key);
}
