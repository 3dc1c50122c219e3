import { bootstrapJobService } from '@sluice/job-service';
import { fraudDetectionServiceOptions } from './fraud-detection-service.ts';

/**
 * The fraud-detection service (`npm start`): the job on its embedded default (or, with
 * `KAFKA_BOOTSTRAP_SERVERS` and `SLUICE_CHECKPOINT_DIR`, on Kafka topics), HTTP on `PORT`
 * (default 8080) with `/metrics`, `/health/live`, `/health/ready` and `/api/job`. SIGTERM stops
 * the job with a savepoint (or cancels it without checkpointing) and exits.
 */
try {
  await bootstrapJobService(fraudDetectionServiceOptions(process.env));
} catch (error) {
  console.error(`[fraud-detection] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
