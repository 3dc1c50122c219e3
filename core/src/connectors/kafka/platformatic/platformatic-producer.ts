import type { Consumer, Message, Producer } from '@platformatic/kafka';
import type {
  KafkaProducer,
  KafkaProducerOptions,
  KafkaProducerRecord,
  KafkaTransactionalProducer,
  KafkaTransactionalProducerOptions,
  PartitionOffset,
} from '../kafka-client.ts';
import type { KafkaClientConfig } from '../kafka-client-config.ts';
import { KafkaClientError } from '../kafka-client-error.ts';
import { type PlatformaticModule, platformaticBaseOptions, platformaticError } from './platformatic-options.ts';

type Transaction = Awaited<ReturnType<Producer['beginTransaction']>>;
type MessageToProduce = Parameters<Producer['send']>[0]['messages'][number];

function toMessages(records: readonly KafkaProducerRecord[]): MessageToProduce[] {
  return records.map((r) => {
    const message: MessageToProduce = { topic: r.topic, value: r.value ?? undefined };
    if (r.key !== undefined && r.key !== null) message.key = r.key;
    if (r.partition !== undefined) message.partition = r.partition;
    if (r.timestamp !== undefined) message.timestamp = BigInt(r.timestamp);
    if (r.headers !== undefined && r.headers.length > 0) {
      message.headers = new Map(r.headers.map((h) => [Buffer.from(h.key, 'utf8'), h.value]));
    }
    return message;
  });
}

/** {@link KafkaProducer} on an idempotent @platformatic/kafka `Producer` (acks=all). */
export class PlatformaticProducer implements KafkaProducer {
  protected readonly lib: PlatformaticModule;
  protected readonly producer: Producer;
  protected readonly config: KafkaClientConfig;
  private roundRobin = 0;

  constructor(
    lib: PlatformaticModule,
    config: KafkaClientConfig,
    options: KafkaProducerOptions = {},
    transactional?: KafkaTransactionalProducerOptions,
  ) {
    this.lib = lib;
    this.config = config;
    const base = platformaticBaseOptions(config);
    this.producer = new lib.Producer({
      ...base,
      // The library sends `timeout` as the transaction timeout in InitProducerId too.
      ...(transactional
        ? { transactionalId: transactional.transactionalId, timeout: transactional.transactionTimeoutMs ?? 60_000 }
        : {}),
      idempotent: true,
      compression: options.compression ?? 'none',
      // Same partition for a key as the Java client and kafkajs' default partitioner.
      // Keyless records go round robin (the library wraps the number to the partition count).
      partitioner: (message, key) =>
        key === undefined ? this.roundRobin++ : lib.compatibilityPartitioner(message, key),
    });
  }

  async send(records: readonly KafkaProducerRecord[]): Promise<void> {
    try {
      await this.producer.send({ messages: toMessages(records) });
    } catch (error) {
      throw platformaticError(this.lib, 'SINK_FAILED', `Sending ${records.length} record(s)`, error);
    }
  }

  async close(): Promise<void> {
    await this.producer.close(true);
  }
}

/** {@link KafkaTransactionalProducer} on @platformatic/kafka's `Transaction`. */
export class PlatformaticTransactionalProducer extends PlatformaticProducer implements KafkaTransactionalProducer {
  readonly transactionalId: string;
  private transaction: Transaction | undefined;
  private initialized = false;
  private readonly coordinators = new Map<string, number>();

  constructor(lib: PlatformaticModule, config: KafkaClientConfig, options: KafkaTransactionalProducerOptions) {
    super(lib, config, options, options);
    this.transactionalId = options.transactionalId;
  }

  async initTransactions(): Promise<void> {
    try {
      // The library registers the transactional id (InitProducerId, which fences older producers
      // and aborts their open transaction) when the first transaction begins; cancel is local.
      // Without producerId/epoch -1 the library sends 0/0, which the broker takes for a claim to
      // be producer 0 and answers PRODUCER_FENCED whenever the id already has a producer.
      const transaction = await this.producer.beginTransaction({ producerId: -1n, producerEpoch: -1 });
      await transaction.cancel();
      this.initialized = true;
    } catch (error) {
      throw platformaticError(
        this.lib,
        'SINK_FAILED',
        `Initialising transactional id '${this.transactionalId}'`,
        error,
      );
    }
  }

  async beginTransaction(): Promise<void> {
    if (!this.initialized) throw this.misuse('beginTransaction() before initTransactions()');
    if (this.transaction) throw this.misuse('beginTransaction() while a transaction is open');
    try {
      this.transaction = await this.producer.beginTransaction();
    } catch (error) {
      throw platformaticError(this.lib, 'SINK_FAILED', 'Beginning a transaction', error);
    }
  }

  override async send(records: readonly KafkaProducerRecord[]): Promise<void> {
    const transaction = this.open('send()');
    try {
      await transaction.send({ messages: toMessages(records) });
    } catch (error) {
      throw platformaticError(this.lib, 'SINK_FAILED', `Sending ${records.length} record(s) in a transaction`, error);
    }
  }

  async sendOffsets(groupId: string, offsets: readonly PartitionOffset[]): Promise<void> {
    const transaction = this.open('sendOffsets()');
    try {
      // The library takes offsets as consumed messages of a group member; a member-less group
      // (generation -1, empty member id) is what a sink's marker group is.
      await transaction.addConsumer({ groupId } as Consumer);
      const coordinatorId = await this.groupCoordinator(groupId);
      for (const o of offsets) {
        const consumed = {
          topic: o.topic,
          partition: o.partition,
          offset: BigInt(o.offset) - 1n, // the library commits offset + 1
          metadata: { consumer: { groupId, generationId: -1, memberId: '', coordinatorId } },
        } as unknown as Message;
        await transaction.addOffset(consumed);
      }
    } catch (error) {
      throw platformaticError(
        this.lib,
        'SINK_FAILED',
        `Adding offsets of group '${groupId}' to the transaction`,
        error,
      );
    }
  }

  async commitTransaction(): Promise<void> {
    const transaction = this.open('commitTransaction()');
    try {
      await transaction.commit();
      this.transaction = undefined;
    } catch (error) {
      throw platformaticError(
        this.lib,
        'SINK_FAILED',
        `Committing the transaction of '${this.transactionalId}'`,
        error,
      );
    }
  }

  async abortTransaction(): Promise<void> {
    const transaction = this.open('abortTransaction()');
    try {
      await transaction.abort();
      this.transaction = undefined;
    } catch (error) {
      throw platformaticError(this.lib, 'SINK_FAILED', `Aborting the transaction of '${this.transactionalId}'`, error);
    }
  }

  override async close(): Promise<void> {
    if (this.transaction && !this.transaction.completed) await this.transaction.cancel().catch(() => undefined);
    this.transaction = undefined;
    await super.close();
  }

  private async groupCoordinator(groupId: string): Promise<number> {
    const known = this.coordinators.get(groupId);
    if (known !== undefined) return known;
    const consumer = new this.lib.Consumer({ ...platformaticBaseOptions(this.config), groupId });
    try {
      const id = await consumer.findGroupCoordinator();
      this.coordinators.set(groupId, id);
      return id;
    } finally {
      await consumer.close(true);
    }
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
