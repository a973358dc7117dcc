import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEV_AUDIENCE, DEV_ISSUER, ensureDevKeys, mintDevToken } from '../../src/dev-auth.js';
import { createTokenVerifier, type AuthConfig } from '../../src/http/auth.js';

/** One key set per test process, made on first use; the API under test trusts it. */
export const testKeysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'user-api-keys-'));
let jwksFile: Promise<string> | undefined;
export const testJwksFile = () => (jwksFile ??= ensureDevKeys(testKeysDir));

export async function testAuthConfig(): Promise<AuthConfig> {
  return {
    keys: { kind: 'file', path: await testJwksFile() },
    issuer: DEV_ISSUER,
    audience: DEV_AUDIENCE,
    algorithms: ['ES256', 'RS256'],
    clockToleranceSeconds: 5,
  };
}

export const testTokenVerifier = async () => createTokenVerifier(await testAuthConfig());

/** A token from the trusted key set; by default a client allowed to read and write. */
export async function testToken(claims: Partial<Parameters<typeof mintDevToken>[1]> = {}): Promise<string> {
  await testJwksFile();
  return mintDevToken(testKeysDir, {
    subject: 'test-client',
    scopes: ['users:read', 'users:write'],
    ...claims,
  });
}

/** The environment a user-api process needs to trust the test key set. */
export async function testAuthEnv(): Promise<Record<string, string>> {
  return { AUTH_JWKS_FILE: await testJwksFile(), AUTH_ISSUER: DEV_ISSUER, AUTH_AUDIENCE: DEV_AUDIENCE };
}
