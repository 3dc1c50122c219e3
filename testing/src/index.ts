export {
  describeError,
  SLUICE_TESTING_ERROR_CODES,
  SluiceTestingError,
  type SluiceTestingErrorCode,
  type SluiceTestingErrorDomain,
  type SluiceTestingErrorOptions,
} from './errors.ts';
export { uniqueName } from './unique-name.ts';
export {
  HARNESS_SERVICES,
  type HarnessServiceName,
  isCi,
  recordServiceUnavailable,
  serviceUnavailableReason,
  skipWithoutService,
  unavailableEnvVar,
} from './service-availability.ts';
export type { ServiceMode, ServiceModePreference } from './services/service-mode.ts';
export { type ContainerRuntimeProbe, probeContainerRuntime } from './services/container-runtime.ts';
export { sweepStaleServices, type SweepReport } from './services/process-registry.ts';

export type {
  KafkaListenerAddress,
  KafkaRestartOptions,
  KafkaSaslMechanismName,
  KafkaSaslUser,
  KafkaSecurityListeners,
  KafkaSecurityOptions,
  KafkaService,
  StartKafkaOptions,
} from './services/kafka/kafka-service.ts';
export { startKafka } from './services/kafka/start-kafka.ts';
export { uniqueGroupId, uniqueTopic, uniqueTransactionalId } from './services/kafka/kafka-names.ts';
export { DEFAULT_KAFKA_IMAGE } from './services/kafka/start-kafka-container.ts';

export type { S3ClientSettings, S3Endpoint, S3Service, StartS3Options } from './services/s3/s3-service.ts';
export { S3_ENV, startS3, startS3Endpoint } from './services/s3/start-s3.ts';
export { DEFAULT_S3MOCK_IMAGE } from './services/s3/start-s3mock-container.ts';

export { checkPostgres } from './services/postgres/check-postgres.ts';
export { createTestDatabase, type TestDatabase } from './services/postgres/create-test-database.ts';
export { type PostgresSettings, postgresSettings, postgresUrl } from './services/postgres/postgres-settings.ts';

export { checkRedis } from './services/redis/check-redis.ts';
export { redisTestPrefix, type RedisTestPrefix } from './services/redis/redis-test-prefix.ts';
export { redisUrl } from './services/redis/redis-settings.ts';

export { checkMqtt } from './services/mqtt/check-mqtt.ts';
export { type MqttTestNamespace, mqttTestNamespace } from './services/mqtt/mqtt-test-namespace.ts';
export { mqttUrl } from './services/mqtt/mqtt-settings.ts';

export {
  DEFAULT_HARNESS_OPERATOR_NAME,
  type HarnessRecord,
  type OperatorHarnessOptions,
} from './harness/harness-options.ts';
export { OperatorHarness } from './harness/operator-harness.ts';
export { OneInputOperatorHarness } from './harness/one-input-operator-harness.ts';
export { TwoInputOperatorHarness } from './harness/two-input-operator-harness.ts';
export {
  checkCrashReplay,
  type CrashReplayOptions,
  type CrashReplayReport,
  type KillMoment,
} from './crash-replay/check-crash-replay.ts';
export {
  parsePrometheusText,
  sampleValue,
  type PrometheusFamily,
  type PrometheusSample,
} from './services/prometheus/prometheus-text.ts';
export type {
  PrometheusSeries,
  PrometheusService,
  StartPrometheusOptions,
} from './services/prometheus/prometheus-service.ts';
export { startPrometheus } from './services/prometheus/start-prometheus.ts';
export { prometheusCacheDir, resolvePrometheusBinary } from './services/prometheus/prometheus-binary.ts';
