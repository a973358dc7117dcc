import { ConfigError } from '@platform/runtime';
import { loadUserApiConfig } from '../src/config.js';

const base = {
  DATABASE_URL: 'postgres://platform:platform@127.0.0.1:25432/platform',
  AUTH_ISSUER: 'https://issuer.example',
  AUTH_AUDIENCE: 'user-api',
};

describe('the user-api configuration', () => {
  it('takes the token keys from an https JWKS URL, or plain http on this host only', () => {
    for (const url of [
      'https://idp.example/jwks.json',
      'http://127.0.0.1:8080/jwks',
      'http://localhost/jwks',
    ]) {
      expect(loadUserApiConfig({ ...base, AUTH_JWKS_URL: url }).auth.keys).toEqual({ kind: 'url', url });
    }
  });

  it('refuses a JWKS URL over plain http to another host: the keys would decide who is let in', () => {
    const load = () => loadUserApiConfig({ ...base, AUTH_JWKS_URL: 'http://idp.example/jwks.json' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/AUTH_JWKS_URL: must be https/);
  });

  it('counts trusted proxy hops only when a proxy is trusted', () => {
    const file = { ...base, AUTH_JWKS_FILE: '/keys.json' };
    expect(loadUserApiConfig(file).http.trustedProxyHops).toBe(0);
    expect(loadUserApiConfig({ ...file, HTTP_TRUST_PROXY: 'true' }).http.trustedProxyHops).toBe(1);
    expect(
      loadUserApiConfig({ ...file, HTTP_TRUST_PROXY: 'true', HTTP_TRUSTED_PROXY_HOPS: '2' }).http
        .trustedProxyHops,
    ).toBe(2);
  });
});
