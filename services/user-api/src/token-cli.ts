import { parseArgs } from 'node:util';
import { DEV_AUDIENCE, DEV_ISSUER, ensureDevKeys, mintDevToken } from './dev-auth.js';

// npm run --silent token -w @platform/user-api -- [--scope "users:read users:write"] [--sub me]
// Prints a development token signed with the key set ./platform up made (AUTH_DEV_KEYS_DIR).
const { values } = parseArgs({
  options: {
    scope: { type: 'string', default: 'users:read users:write' },
    sub: { type: 'string', default: 'developer' },
    ttl: { type: 'string', default: '1h' },
    keys: { type: 'string', default: process.env.AUTH_DEV_KEYS_DIR ?? '../../.local-stack/auth' },
  },
});
await ensureDevKeys(values.keys);
const token = await mintDevToken(values.keys, {
  subject: values.sub,
  scopes: values.scope.split(/\s+/).filter(Boolean),
  expiresIn: values.ttl,
  issuer: process.env.AUTH_ISSUER ?? DEV_ISSUER,
  audience: process.env.AUTH_AUDIENCE ?? DEV_AUDIENCE,
});
process.stdout.write(`${token}\n`);
