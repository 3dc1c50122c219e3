import { Controller, Inject, Logger, type Type } from '@nestjs/common';
import { Ctx, EventPattern, type KafkaContext, Payload } from '@nestjs/microservices';
import { JobCommands, outcomeOf } from '../control/job-commands.ts';
import { JobLifecycle } from '../lifecycle/job-lifecycle.ts';
import type { ControlMetrics } from '../metrics/control-metrics.ts';
import type { JobServiceOptions } from '../job-service-options.ts';
import { JOB_SERVICE_TOKENS } from '../tokens.ts';
import { jobControlCommandOf } from './job-control-command.ts';

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Builds the controller of the Kafka transport: `@EventPattern(controlTopic)` for control
 * commands and one `@EventPattern` over the job's event topics, forwarding each event to the
 * job's handler. Handlers never throw into the consumer: a bad message is logged, counted and
 * skipped, so it cannot block the topic.
 *
 * @example
 * ```ts
 * const controller = kafkaControlController('job.control', ['fraud.rules']);
 * ```
 */
export function kafkaControlController(controlTopic: string, eventTopics: readonly string[]): Type<unknown> {
  @Controller()
  class KafkaControlController {
    private readonly commands: JobCommands;
    private readonly lifecycle: JobLifecycle;
    private readonly options: JobServiceOptions;
    private readonly metrics: ControlMetrics;
    private readonly logger: Logger;

    constructor(
      @Inject(JobCommands) commands: JobCommands,
      @Inject(JobLifecycle) lifecycle: JobLifecycle,
      @Inject(JOB_SERVICE_TOKENS.options) options: JobServiceOptions,
      @Inject(JOB_SERVICE_TOKENS.controlMetrics) metrics: ControlMetrics,
    ) {
      this.commands = commands;
      this.lifecycle = lifecycle;
      this.options = options;
      this.metrics = metrics;
      this.logger = new Logger(`kafka:${options.jobName}`);
    }

    @EventPattern(controlTopic)
    async onControl(@Payload() payload: unknown): Promise<void> {
      let command: ReturnType<typeof jobControlCommandOf>;
      try {
        command = jobControlCommandOf(payload);
      } catch (error) {
        const name = (payload as { command?: unknown } | null)?.command;
        this.commands.rejected(name === 'stop' ? 'stop' : 'savepoint', 'kafka');
        this.logger.warn(`ignored control message on ${controlTopic}: ${describe(error)}`);
        return;
      }
      if (command.job !== undefined && command.job !== this.options.jobName) return;
      try {
        const info =
          command.command === 'stop'
            ? await this.commands.stop({ drain: command.drain }, 'kafka')
            : await this.commands.savepoint('kafka');
        this.logger.log(`${command.command} from ${controlTopic}: savepoint at ${info.location}`);
      } catch (error) {
        this.logger.warn(`${command.command} from ${controlTopic} ${outcomeOf(error)}: ${describe(error)}`);
      }
    }

    async onEvent(@Payload() payload: unknown, @Ctx() context: KafkaContext): Promise<void> {
      const topic = context.getTopic();
      const handler = this.options.events?.[topic];
      if (handler === undefined) return;
      try {
        const key = context.getMessage().key;
        await handler(payload, {
          job: this.lifecycle.client(),
          topic,
          key: key === null || key === undefined ? undefined : key.toString(),
          logger: this.logger,
        });
        this.metrics.event(topic, 'ok');
      } catch (error) {
        const outcome = outcomeOf(error);
        this.metrics.event(topic, outcome);
        this.logger.warn(`event on ${topic} ${outcome}: ${describe(error)}`);
      }
    }
  }

  if (eventTopics.length > 0) {
    // Decorated here because the topics are only known now (a decorator takes them as written).
    const proto = KafkaControlController.prototype;
    const descriptor = Object.getOwnPropertyDescriptor(proto, 'onEvent') as PropertyDescriptor;
    EventPattern([...eventTopics])(proto, 'onEvent', descriptor);
  }
  return KafkaControlController;
}
