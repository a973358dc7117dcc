import { exportJWK, generateKeyPair, SignJWT, base64url } from 'jose';
import { DEV_AUDIENCE, DEV_ISSUER } from '../src/dev-auth.js';
import { useTestApi } from './support/api-client.js';
import { testToken } from './support/tokens.js';

// Every refusal of a bearer token, on the real app and database. The trusted key set is the
// test process's own (support/tokens.ts); the tokens below are what a caller might send instead.

describe('authentication and scopes (real PostgreSQL)', () => {
  const context = useTestApi();
  const api = () => context.api;

  async function foreignKeyToken() {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    expect(await exportJWK(publicKey)).toHaveProperty('kty', 'EC');
    return new SignJWT({ scope: 'users:read' })
      .setProtectedHeader({ alg: 'ES256', kid: 'dev-1' }) // the trusted key's id, another key
      .setSubject('mallory')
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setExpirationTime('1h')
      .sign(privateKey);
  }

  const unsigned = () =>
    [
      base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' })),
      base64url.encode(
        JSON.stringify({
          sub: 'mallory',
          scope: 'users:read users:write',
          iss: DEV_ISSUER,
          aud: DEV_AUDIENCE,
          exp: Math.floor(Date.now() / 1000) + 3600,
        }),
      ),
      '',
    ].join('.');

  it.each([
    ['no Authorization header', async () => null, 'a bearer token is required', false],
    ['a Basic credential', async () => 'Basic dXNlcjpwYXNz', 'Authorization must be "Bearer <token>"', false],
    ['an expired token', () => testToken({ expiresIn: '-1m' }), 'the token has expired', true],
    [
      'a token for another issuer',
      () => testToken({ issuer: 'https://evil.example' }),
      "the token's iss claim is not accepted",
      true,
    ],
    [
      'a token for another audience',
      () => testToken({ audience: 'billing-api' }),
      "the token's aud claim is not accepted",
      true,
    ],
    ['a token signed by another key', foreignKeyToken, 'the token signature does not verify', true],
    ['an unsigned token (alg: none)', async () => unsigned(), 'the token algorithm is not accepted', true],
    ['not a JWT at all', async () => 'abc.def.ghi', 'the token is not valid', true],
  ])('refuses %s with 401, WWW-Authenticate and a problem document', async (_what, make, detail, invalid) => {
    const credential = await make();
    const headers: Record<string, string> = credential
      ? { Authorization: credential.startsWith('Basic') ? credential : `Bearer ${credential}` }
      : {};
    const response = await api().request('GET', '/users', { token: null, headers });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ type: 'unauthorized', status: 401, detail });
    const challenge = response.headers.get('www-authenticate')!;
    expect(challenge).toMatch(/^Bearer realm="user-api"/);
    if (invalid) expect(challenge).toContain('error="invalid_token"');
  });

  it('refuses a token without the scope with 403, and a read token cannot write', async () => {
    const readOnly = await testToken({ scopes: ['users:read'] });
    expect((await api().request('GET', '/users', { token: readOnly })).status).toBe(200);
    const write = await api().request('POST', '/users', {
      token: readOnly,
      json: { email: 'scope@x.io', name: 'S' },
    });
    expect(write.status).toBe(403);
    expect(write.body).toMatchObject({ type: 'insufficient-scope', required_scope: 'users:write' });
    expect(write.headers.get('www-authenticate')).toContain(
      'error="insufficient_scope", scope="users:write"',
    );

    const writeOnly = await testToken({ scopes: ['users:write'] });
    expect((await api().request('GET', '/users', { token: writeOnly })).status).toBe(403);
    expect((await api().request('GET', '/users', { token: await testToken({ scopes: [] }) })).status).toBe(
      403,
    );
  });

  it('leaves the probes and the document open, and writes nothing for a refused request', async () => {
    for (const path of ['/healthz', '/readyz', '/openapi.json']) {
      expect((await api().request('GET', path, { token: null })).status).toBe(200);
    }
    const refused = await api().request('POST', '/users', {
      token: null,
      json: { email: 'no@x.io', name: 'N' },
    });
    expect(refused.status).toBe(401);
    const page = await api().request<{ items: { email: string }[] }>('GET', '/users?limit=100');
    expect(page.body.items.map((u) => u.email)).not.toContain('no@x.io');
  });
});
