import { decodeCursor, encodeCursor } from '../src/domain/cursor.js';
import { ClientError } from '../src/domain/errors.js';
import { diffUser } from '../src/domain/user-events.js';
import { createUserInput, parseInput, updateUserInput } from '../src/domain/user-input.js';
import { uuidV7 } from '../src/domain/uuid-v7.js';
import { etagOf, ifMatchHeader, versionsOf } from '../src/http/headers.js';
import { isDatabaseUnavailable } from '../src/adapters/postgres/availability.js';
import { RateLimiter } from '../src/domain/rate-limit.js';

describe('uuidV7', () => {
  it('puts the milliseconds first, then version 7 and the RFC variant', () => {
    const id = uuidV7(0x0190f5e2a1b2, Buffer.alloc(10, 0xff));
    expect(id).toBe('0190f5e2-a1b2-7fff-bfff-ffffffffffff');
  });

  it('sorts by creation time', () => {
    const ids = [1, 2, 3, 1000].map((ms) => uuidV7(1_700_000_000_000 + ms));
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('cursor', () => {
  it('round-trips the last id and refuses anything it did not issue', () => {
    const id = uuidV7();
    expect(decodeCursor(encodeCursor(id))).toBe(id);
    for (const bad of ['', 'x', Buffer.from('{"after":"1 or 1=1"}').toString('base64url')]) {
      expect(() => decodeCursor(bad)).toThrow(ClientError);
    }
  });
});

describe('If-Match', () => {
  const valid = (value: string) => ifMatchHeader.safeParse(value).success;

  it('accepts * and lists of entity tags (RFC 9110), refuses anything else', () => {
    for (const value of ['*', '"3"', 'W/"3"', '"3", "4"', '"3",W/"4" ,"x"', '""'])
      expect(valid(value)).toBe(true);
    for (const value of ['3', '"3', '"3" "4"', '**', '"a"b"', '"3",', '', 'W/ "3"'])
      expect(valid(value)).toBe(false);
  });

  it('reads our ETags from strong tags only; * is any version', () => {
    expect(etagOf(3)).toBe('"3"');
    expect(versionsOf('*')).toBe('any');
    expect(versionsOf('"3"')).toEqual([3]);
    expect(versionsOf('"3", W/"4", "x", "5"')).toEqual([3, 5]);
    expect(versionsOf('W/"3"')).toEqual([]); // If-Match compares strongly: a weak tag never matches
  });
});

describe('diffUser', () => {
  it('keeps only fields whose value changes', () => {
    const user = { email: 'a@x.io', name: 'A' };
    expect(diffUser(user, { email: 'a@x.io', name: 'B' })).toEqual({ name: { from: 'A', to: 'B' } });
    expect(diffUser(user, { name: 'A' })).toEqual({});
  });
});

describe('user input', () => {
  it('trims and accepts a valid user', () => {
    expect(parseInput(createUserInput, { email: ' a@x.io ', name: ' Ann ' })).toEqual({
      email: 'a@x.io',
      name: 'Ann',
    });
  });

  it('keeps any well-formed text without control characters, trimming surrounding whitespace', () => {
    expect(parseInput(createUserInput, { email: 'zoë@exämple.io', name: '\tZoë 🚀 Ñandú\n' })).toEqual({
      email: 'zoë@exämple.io',
      name: 'Zoë 🚀 Ñandú',
    });
  });

  it('refuses control characters inside the text and unpaired surrogates', () => {
    for (const name of ['a\u0000b', 'tab\there', 'a\u001bb', 'a\u009fb', '\ud83d', 'x\ude80']) {
      expect(() => parseInput(createUserInput, { email: 'a@x.io', name })).toThrow(ClientError);
    }
  });

  it('counts characters, not UTF-16 units, and wants more than white space in a name', () => {
    const emoji = '🚀'.repeat(200); // 200 characters, 400 UTF-16 units
    expect(parseInput(createUserInput, { email: 'a@x.io', name: emoji }).name).toBe(emoji);
    expect(() => parseInput(createUserInput, { email: 'a@x.io', name: `${emoji}a` })).toThrow(ClientError);
    expect(() => parseInput(createUserInput, { email: 'a@x.io', name: ' \t ' })).toThrow(ClientError);
  });

  it('lists every problem with its field', () => {
    try {
      parseInput(updateUserInput, { email: 'nope', name: '', extra: 1 });
      throw new Error('expected a ClientError');
    } catch (error) {
      expect(error).toBeInstanceOf(ClientError);
      expect((error as ClientError).extensions.errors).toEqual([
        { field: '/email', message: 'must be an email address' },
        { field: '/name', message: 'must not be empty' },
        { field: '/', message: 'unknown field(s): extra' },
      ]);
    }
  });
});

describe('isDatabaseUnavailable', () => {
  it('tells an unreachable or restarting database from a failing request', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    for (const error of [
      refused,
      new Error('wrapped', { cause: refused }),
      new AggregateError([refused], 'all attempts failed'),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
      new Error('Connection terminated unexpectedly'),
      // The server refuses this service: pg_hba (no TLS), a password, a certificate it cannot trust.
      Object.assign(new Error('no pg_hba.conf entry for host "127.0.0.1", no encryption'), { code: '28000' }),
      Object.assign(new Error('password authentication failed for user "app"'), { code: '28P01' }),
      Object.assign(new Error('unable to verify the first certificate'), {
        code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      }),
      Object.assign(new Error("Hostname/IP does not match certificate's altnames"), {
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      }),
      new Error('The server does not support SSL connections'),
    ])
      expect(isDatabaseUnavailable(error)).toBe(true);
    for (const error of [
      Object.assign(new Error('duplicate key value'), { code: '23505' }),
      new Error('boom'),
      'text',
      undefined,
    ])
      expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe('RateLimiter', () => {
  it('allows a burst, then one request per 1/rate seconds, per client, with the wait to the next', () => {
    let now = 0;
    const limiter = new RateLimiter(2, 3, () => now); // 2 per second, bursts of 3
    expect([1, 2, 3].map(() => limiter.take('a'))).toEqual([0, 0, 0]);
    expect(limiter.take('a')).toBe(1); // empty: the next token is 0.5 s away, rounded up
    expect(limiter.take('b')).toBe(0); // another client has its own bucket
    now += 500;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(1);
    now += 10_000;
    expect([1, 2, 3].map(() => limiter.take('a'))).toEqual([0, 0, 0]); // refilled to the burst, no more
    expect(limiter.take('a')).toBe(1);
  });

  it('forgets only the buckets that are full again', () => {
    let now = 0;
    const limiter = new RateLimiter(1, 2, () => now);
    limiter.take('a');
    limiter.take('b');
    limiter.take('b');
    now += 1000; // a is full again, b has one of two
    limiter.sweep();
    expect(limiter.size).toBe(1);
  });
});
