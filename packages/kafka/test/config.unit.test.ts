import { parseEnv } from '@platform/runtime';
import { kafkaConfig, kafkaEnvShape } from '../src/index.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----';
const load = (env: Record<string, string>) =>
  kafkaConfig(parseEnv(kafkaEnvShape, { KAFKA_BROKERS: 'b1:9093,b2:9093', ...env }), 'svc');
const problemsOf = (env: Record<string, string>) => {
  try {
    load(env);
    return [];
  } catch (error) {
    return (error as { problems: string[] }).problems;
  }
};

describe('Kafka security settings', () => {
  it('default to PLAINTEXT: no TLS, no SASL', () => {
    expect(load({})).toEqual({ brokers: ['b1:9093', 'b2:9093'], clientId: 'svc' });
  });

  it('SASL_SSL carries the mechanism, the credentials and the CA', () => {
    expect(
      load({
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'svc',
        KAFKA_SASL_PASSWORD: 'secret',
        KAFKA_TLS_CA: CA,
      }),
    ).toEqual({
      brokers: ['b1:9093', 'b2:9093'],
      clientId: 'svc',
      tls: { ca: CA },
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'svc', password: 'secret' },
    });
  });

  it('SSL with a client certificate (mTLS); no CA means the public ones', () => {
    expect(load({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_TLS_CERT: CA, KAFKA_TLS_KEY: KEY }).tls).toEqual({
      cert: CA,
      key: KEY,
    });
    expect(load({ KAFKA_SECURITY_PROTOCOL: 'SSL' }).tls).toEqual({});
  });

  it('refuses SASL without its mechanism and credentials, naming each', () => {
    expect(problemsOf({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' })).toEqual([
      'KAFKA_SASL_MECHANISM: required with KAFKA_SECURITY_PROTOCOL=SASL_SSL',
      'KAFKA_SASL_USERNAME: required with KAFKA_SECURITY_PROTOCOL=SASL_SSL',
      'KAFKA_SASL_PASSWORD: required with KAFKA_SECURITY_PROTOCOL=SASL_SSL',
    ]);
  });

  it('refuses PLAIN over SASL_PLAINTEXT: the password would cross the network in clear', () => {
    expect(
      problemsOf({
        KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
        KAFKA_SASL_MECHANISM: 'PLAIN',
        KAFKA_SASL_USERNAME: 'svc',
        KAFKA_SASL_PASSWORD: 'secret',
      }),
    ).toEqual([
      'KAFKA_SASL_MECHANISM: PLAIN over SASL_PLAINTEXT sends the password in clear text; use SASL_SSL',
    ]);
  });

  it('refuses settings the protocol would silently ignore', () => {
    expect(
      problemsOf({ KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: 'secret', KAFKA_TLS_CA: CA }),
    ).toEqual([
      'KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD: only used with SASL_* (KAFKA_SECURITY_PROTOCOL=PLAINTEXT)',
      'KAFKA_TLS_CA: only used with SSL or SASL_SSL (KAFKA_SECURITY_PROTOCOL=PLAINTEXT)',
    ]);
  });

  it('refuses half a client certificate, text that is no PEM, and an unknown protocol', () => {
    expect(problemsOf({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_TLS_CERT: CA })).toEqual([
      'KAFKA_TLS_CERT, KAFKA_TLS_KEY: set both (a client certificate and its key) or neither',
    ]);
    expect(problemsOf({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_TLS_CA: 'not a certificate' })).toEqual([
      'KAFKA_TLS_CA: expected PEM text with a certificate (-----BEGIN ...) (got "not a certificate")',
    ]);
    expect(problemsOf({ KAFKA_SECURITY_PROTOCOL: 'TLS' })[0]).toMatch(
      /^KAFKA_SECURITY_PROTOCOL: expected one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/,
    );
  });
});
