import { JOB_SERVICE_DEFAULTS, JobServiceError, jobServiceConfig } from '@sluice/job-service';
import { describe, expect, it } from 'vitest';

describe('jobServiceConfig', () => {
  it('has defaults: port 8080, no token, no Kafka', () => {
    expect(jobServiceConfig('fraud-detection', {})).toEqual({
      port: 8080,
      apiToken: undefined,
      kafka: undefined,
      readinessMaxCheckpointAgeMs: JOB_SERVICE_DEFAULTS.readinessMaxCheckpointAgeMs,
      shutdownTimeoutMs: JOB_SERVICE_DEFAULTS.shutdownTimeoutMs,
    });
  });

  it('reads the environment', () => {
    const config = jobServiceConfig('fraud-detection', {
      PORT: '9090',
      SLUICE_API_TOKEN: 'a-long-enough-token-123',
      KAFKA_BOOTSTRAP_SERVERS: ' kafka-0:9092, kafka-1:9092 ',
      SLUICE_CONTROL_TOPIC: 'ops.control',
      SLUICE_KAFKA_GROUP_ID: 'fraud-pod-1',
      SLUICE_READINESS_MAX_CHECKPOINT_AGE_MS: '60000',
      SLUICE_SHUTDOWN_TIMEOUT_MS: '5000',
    });
    expect(config).toEqual({
      port: 9090,
      apiToken: 'a-long-enough-token-123',
      kafka: {
        brokers: ['kafka-0:9092', 'kafka-1:9092'],
        controlTopic: 'ops.control',
        groupId: 'fraud-pod-1',
        fromBeginning: false,
      },
      readinessMaxCheckpointAgeMs: 60_000,
      shutdownTimeoutMs: 5_000,
    });
  });

  it('defaults the Kafka group to one per job and host', () => {
    expect(jobServiceConfig('fraud-detection', { KAFKA_BOOTSTRAP_SERVERS: 'k:9092' }).kafka?.groupId).toMatch(
      /^sluice-fraud-detection-.+/,
    );
  });

  it('lets overrides win over the environment, including switching Kafka off', () => {
    const env = { PORT: '9090', KAFKA_BOOTSTRAP_SERVERS: 'k:9092', SLUICE_API_TOKEN: 'a-long-enough-token-123' };
    const config = jobServiceConfig('x', env, { port: 0, kafka: undefined, apiToken: undefined });
    expect(config).toMatchObject({ port: 0, kafka: undefined, apiToken: undefined });
  });

  it('names every invalid setting in one INVALID_CONFIG error', () => {
    let error: unknown;
    try {
      jobServiceConfig('x', {
        PORT: '80a',
        SLUICE_API_TOKEN: 'short',
        KAFKA_BOOTSTRAP_SERVERS: 'no-port',
        SLUICE_CONTROL_TOPIC: 'bad topic',
        SLUICE_READINESS_MAX_CHECKPOINT_AGE_MS: '0',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JobServiceError);
    expect((error as JobServiceError).code).toBe('INVALID_CONFIG');
    for (const name of [
      'PORT',
      'SLUICE_API_TOKEN',
      'KAFKA_BOOTSTRAP_SERVERS',
      'SLUICE_CONTROL_TOPIC',
      'SLUICE_READINESS_MAX_CHECKPOINT_AGE_MS',
    ]) {
      expect((error as Error).message).toContain(name);
    }
  });
});
