import * as platformatic from '@platformatic/kafka';
import * as kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { describeRootCauses, describeSecurityFailure, errorTree } from './kafka-client-error.ts';
import { kafkaJsError } from './kafkajs/kafkajs-options.ts';
import { platformaticError } from './platformatic/platformatic-options.ts';

/** How @platformatic/kafka 2.x reports a refused SASL login: four layers above the broker's reason. */
function platformaticSaslFailure(): Error {
  const response = new platformatic.ResponseError(
    36, // SaslAuthenticate
    2,
    {
      '/': [
        58,
        'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256',
      ],
    },
    {},
  );
  const auth = new platformatic.AuthenticationError('SASL authentication failed.', { cause: response });
  const network = new platformatic.NetworkError('Connection to 127.0.0.1:9093 failed.', { cause: auth });
  const pool = new platformatic.MultipleErrors('Cannot connect to any broker.', [network]);
  return new platformatic.MultipleErrors('Creating topics failed.', [
    new platformatic.MultipleErrors('createTopics failed 11 times.', [pool, pool]),
  ]);
}

/** kafkajs' SASL error takes a message (its typings declare no arguments). */
const KafkaJsSaslError = kafkajs.KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;

/** Node's error for a certificate chain ending in a CA the client does not trust. */
function untrustedCertificate(): Error {
  return Object.assign(new Error('self-signed certificate in certificate chain'), {
    code: 'SELF_SIGNED_CERT_IN_CHAIN',
  });
}

describe('errorTree', () => {
  it('walks cause, originalError and AggregateError errors once each, outermost first', () => {
    const leaf = new Error('leaf');
    const shared = new Error('shared', { cause: leaf });
    const top = new AggregateError([shared, Object.assign(new Error('kafkajs'), { originalError: shared })], 'top');
    expect(errorTree(top).map((e) => (e as Error).message)).toEqual(['top', 'shared', 'leaf', 'kafkajs']);
    expect(errorTree('not an error')).toEqual([]);
  });
});

describe('describeSecurityFailure', () => {
  it("finds @platformatic/kafka's SASL failure and the broker's reason under its retries", () => {
    expect(describeSecurityFailure(platformaticSaslFailure())).toMatch(
      /^the broker rejected the SASL login: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256\. Check sasl\.mechanism/,
    );
  });

  it("finds kafkajs' SASL failure under its retries", () => {
    const sasl = new KafkaJsSaslError(
      'SASL PLAIN authentication failed: Authentication failed: Invalid username or password',
    );
    const retries = new kafkajs.KafkaJSNumberOfRetriesExceeded(sasl, { retryCount: 0, retryTime: 20 });
    expect(describeSecurityFailure(retries)).toMatch(
      /^the broker rejected the SASL login: SASL PLAIN authentication failed: Authentication failed: Invalid username or password\./,
    );
  });

  it('finds an untrusted broker certificate in either library', () => {
    const plt = new platformatic.NetworkError('Connection to 127.0.0.1:9093 failed.', {
      cause: untrustedCertificate(),
    });
    const kjs = new kafkajs.KafkaJSConnectionError('Connection error: self-signed certificate in certificate chain', {
      broker: '127.0.0.1:9093',
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
    for (const error of [new platformatic.MultipleErrors('Creating topics failed.', [plt]), kjs]) {
      expect(describeSecurityFailure(error)).toMatch(
        /^the broker's TLS certificate was not accepted: .*self-signed certificate in certificate chain \(SELF_SIGNED_CERT_IN_CHAIN\)\. Pass the CA/,
      );
    }
  });

  it('is undefined for other failures', () => {
    expect(describeSecurityFailure(new platformatic.NetworkError('Connection closed'))).toBeUndefined();
    expect(describeSecurityFailure(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBeUndefined();
    expect(describeSecurityFailure(undefined)).toBeUndefined();
  });
});

describe('classification by the adapters', () => {
  it('makes a refused login or an untrusted certificate AUTHENTICATION_FAILED: a user error, not retriable', () => {
    const errors = [
      platformaticError(platformatic, 'SOURCE_FAILED', 'Creating topic', platformaticSaslFailure()),
      kafkaJsError('SINK_FAILED', 'Sending', new KafkaJsSaslError('SASL SCRAM SHA512 authentication failed')),
      kafkaJsError(
        'SOURCE_FAILED',
        'Fetching',
        new kafkajs.KafkaJSConnectionError('Connection error: x', { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }),
      ),
    ];
    for (const error of errors) {
      expect(error.kind).toBe('AUTHENTICATION_FAILED');
      expect(error.retriable).toBe(false);
      expect(error.domain).toBe('user');
    }
    expect(errors[0]?.message).toMatch(/^Creating topic failed: the broker rejected the SASL login: /);
  });

  it("names @platformatic/kafka's root causes in other broker errors", () => {
    const error = platformaticError(
      platformatic,
      'SOURCE_FAILED',
      'Creating topic',
      new platformatic.MultipleErrors('Creating topics failed.', [
        new platformatic.NetworkError('Broker requires TLS.'),
      ]),
    );
    expect(error.kind).toBe('BROKER_ERROR');
    expect(error.message).toBe('Creating topic failed: Creating topics failed. (caused by: Broker requires TLS.)');
    expect(describeRootCauses(new Error('alone'))).toBe('');
  });
});
