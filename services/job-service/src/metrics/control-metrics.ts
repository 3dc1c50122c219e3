import { Counter, type Registry } from 'prom-client';
import { METRIC_LABELS as L, METRIC_NAMES as N } from './metric-names.ts';

/** How a control command or event ended. */
export type ControlOutcome = 'ok' | 'rejected' | 'failed';

/**
 * Counters of control commands (HTTP and Kafka) and job events (Kafka), incremented as they
 * are handled.
 *
 * @example
 * ```ts
 * const control = new ControlMetrics(registry, 'fraud-detection');
 * control.command('savepoint', 'kafka', 'rejected');
 * ```
 */
export class ControlMetrics {
  private readonly jobName: string;
  private readonly commands: Counter;
  private readonly events: Counter;

  constructor(registry: Registry, jobName: string) {
    this.jobName = jobName;
    this.commands = new Counter({
      name: N.controlCommands,
      help: 'Control commands received, by command, transport and outcome.',
      labelNames: [L.jobName, L.command, L.transport, L.outcome],
      registers: [registry],
    });
    this.events = new Counter({
      name: N.controlEvents,
      help: 'Job events received on the Kafka transport, by topic and outcome.',
      labelNames: [L.jobName, L.topic, L.outcome],
      registers: [registry],
    });
  }

  /** Counts one command (`savepoint`, `stop`, or the name of a job route such as `rules`). */
  command(command: string, transport: 'http' | 'kafka', outcome: ControlOutcome): void {
    this.commands.inc({
      [L.jobName]: this.jobName,
      [L.command]: command,
      [L.transport]: transport,
      [L.outcome]: outcome,
    });
  }

  /** Counts one job event. */
  event(topic: string, outcome: ControlOutcome): void {
    this.events.inc({ [L.jobName]: this.jobName, [L.topic]: topic, [L.outcome]: outcome });
  }
}
