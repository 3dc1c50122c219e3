import type { CompressionTypes, Kafka, Message, Producer, Transaction } from 'kafkajs';
import type {
  KafkaProducer,
  KafkaProducerOptions,
  KafkaProducerRecord,
  KafkaTransactionalProducer,
  KafkaTransactionalProducerOptions,
  PartitionOffset,
} from '../kafka-client.ts';
import { KafkaClientError } from '../kafka-client-error.ts';
import { type KafkaJsModule, kafkaJsError, toKafkaJsHeaders } from './kafkajs-options.ts';

const ACKS_ALL = -1;

function toTopicMessages(records: readonly KafkaProducerRecord[]): { topic: string; messages: Message[] }[] {
  const byTopic = new Map<string, Message[]>();
  for (const r of records) {
    const message: Message = { value: r.value };
    if (r.key !== undefined) message.key = r.key;
    if (r.partition !== undefined) message.partition = r.partition;
    if (r.timestamp !== undefined) message.timestamp = String(r.timestamp);
    const headers = toKafkaJsHeaders(r.headers);
    if (headers) message.headers = headers;
    const list = byTopic.get(r.topic) ?? [];
    list.push(message);
    byTopic.set(r.topic, list);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/** {@link KafkaProducer} on an idempotent kafkajs producer (acks=all), connected on first use. */
export class KafkaJsProducer implements KafkaProducer {
  protected readonly producer: Producer;
  protected connected: Promise<void> | undefined;
  protected readonly compression: CompressionTypes;

  constructor(
    lib: KafkaJsModule,
    kafka: Kafka,
    options: KafkaProducerOptions = {},
    transactional?: KafkaTransactionalProducerOptions,
  ) {
    this.compression = options.compression === 'gzip' ? lib.CompressionTypes.GZIP : lib.CompressionTypes.None;
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // Murmur2 like the Java client, so a key lands on the same partition whichever client wrote it.
      createPartitioner: lib.Partitioners.DefaultPartitioner,
      ...(transactional
        ? {
            transactionalId: transactional.transactionalId,
            transactionTimeout: transactional.transactionTimeoutMs ?? 60_000,
          }
        : {}),
    });
  }

  async send(records: readonly KafkaProducerRecord[]): Promise<void> {
    try {
      await this.connect();
      await this.producer.sendBatch({
        topicMessages: toTopicMessages(records),
        acks: ACKS_ALL,
        compression: this.compression,
      });
    } catch (error) {
      throw kafkaJsError('SINK_FAILED', `Sending ${records.length} record(s)`, error);
    }
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
    this.connected = undefined;
  }

  protected connect(): Promise<void> {
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    return this.connected;
  }
}

/** {@link KafkaTransactionalProducer} on kafkajs' `producer.transaction()`. */
export class KafkaJsTransactionalProducer extends KafkaJsProducer implements KafkaTransactionalProducer {
  readonly transactionalId: string;
  private transaction: Transaction | undefined;
  private prepared: Transaction | undefined;
  private initialized = false;

  constructor(lib: KafkaJsModule, kafka: Kafka, options: KafkaTransactionalProducerOptions) {
    super(lib, kafka, options, options);
    this.transactionalId = options.transactionalId;
  }

  async initTransactions(): Promise<void> {
    try {
      // kafkajs sends InitProducerId (which fences older producers) only when the first
      // transaction starts, locally: start it now and hand it out at beginTransaction().
      await this.connect();
      this.prepared = await this.producer.transaction();
      this.initialized = true;
    } catch (error) {
      throw kafkaJsError('SINK_FAILED', `Initialising transactional id '${this.transactionalId}'`, error);
    }
  }

  async beginTransaction(): Promise<void> {
    if (!this.initialized) throw this.misuse('beginTransaction() before initTransactions()');
    if (this.transaction) throw this.misuse('beginTransaction() while a transaction is open');
    try {
      this.transaction = this.prepared ?? (await this.producer.transaction());
      this.prepared = undefined;
    } catch (error) {
      throw kafkaJsError('SINK_FAILED', 'Beginning a transaction', error);
    }
  }

  override async send(records: readonly KafkaProducerRecord[]): Promise<void> {
    const transaction = this.open('send()');
    try {
      await transaction.sendBatch({
        topicMessages: toTopicMessages(records),
        acks: ACKS_ALL,
        compression: this.compression,
      });
    } catch (error) {
      throw kafkaJsError('SINK_FAILED', `Sending ${records.length} record(s) in a transaction`, error);
    }
  }

  async sendOffsets(groupId: string, offsets: readonly PartitionOffset[]): Promise<void> {
    const transaction = this.open('sendOffsets()');
    const topics = [...new Set(offsets.map((o) => o.topic))].map((topic) => ({
      topic,
      partitions: offsets
        .filter((o) => o.topic === topic)
        .map((o) => ({ partition: o.partition, offset: String(o.offset) })),
    }));
    try {
      await transaction.sendOffsets({ consumerGroupId: groupId, topics });
    } catch (error) {
      throw kafkaJsError('SINK_FAILED', `Adding offsets of group '${groupId}' to the transaction`, error);
    }
  }

  async commitTransaction(): Promise<void> {
    const transaction = this.open('commitTransaction()');
    try {
      await transaction.commit();
      this.transaction = undefined;
    } catch (error) {
      throw kafkaJsError('SINK_FAILED', `Committing the transaction of '${this.transactionalId}'`, error);
    }
  }

  async abortTransaction(): Promise<void> {
    const transaction = this.open('abortTransaction()');
    try {
      await transaction.abort();
      this.transaction = undefined;
    } catch (error) {
      throw kafkaJsError('SINK_FAILED', `Aborting the transaction of '${this.transactionalId}'`, error);
    }
  }

  override async close(): Promise<void> {
    this.transaction = undefined;
    this.prepared = undefined;
    await super.close();
  }

  private open(call: string): Transaction {
    if (!this.transaction) throw this.misuse(`${call} without an open transaction; call beginTransaction() first`);
    return this.transaction;
  }

  private misuse(what: string): KafkaClientError {
    return new KafkaClientError(
      'ILLEGAL_STATE',
      'INVALID_STATE',
      `Transactional producer '${this.transactionalId}': ${what}.`,
    );
  }
}
