import type { SqlPool } from '@conveyor/db';
import type { Logger, PipelineMetrics } from '@conveyor/observability';
import type { Producers } from '@conveyor/queue';

/** What the run use cases need: the database pool, the producers, a logger and the pipeline metrics. */
export interface RunsDeps {
  pool: SqlPool;
  producers: Producers;
  log: Logger;
  metrics: PipelineMetrics;
}
