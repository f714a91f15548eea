/** How much each scenario does: `--quick` finishes in under two minutes on a 2-core machine. */
export interface Plan {
  mode: 'quick' | 'full';
  /** Scenario 1: rounds × runsPerRound runs of the reference workflow per worker count. */
  rounds: number;
  runsPerRound: number;
  /** Scenario 1: runs of one tenant left at the default Tenant.maxConcurrentRuns, one worker. */
  cappedRuns: number;
  /** Runs of the reference workflow each new worker process executes before it is measured. */
  warmupRuns: number;
  /** Raw core loop concurrencies to try (one round each); the best is the yardstick. */
  coreLoopConcurrencies: number[];
  /** Scenario 2: the moderate arrival rate (about a quarter of one worker's capacity here) and for how long it is held. */
  ratePerSec: number;
  rateSeconds: number;
  /** Scenario 5: sequential steps per workflow, and steps to execute per size (runs = steps / size, at least minRuns). */
  growthSizes: number[];
  growthSteps: number;
  growthMinRuns: number;
  /** Scenario 4: parallel branches joined by one step. */
  fanOutWidth: number;
  fanOutRepeats: number;
  /** Scenario 3: lines written per measurement, rounds alternating writer and raw insertMany. */
  ingestLines: number;
  ingestRounds: number;
  /** Scenario 5: log store sizes at which the first page is queried; the largest only if loading fits. */
  querySizes: number[];
  queryRepeats: number;
  /** Budget for loading the log store up to its largest size, in seconds. */
  queryLoadBudgetSec: number;
  /** Raw BullMQ no-op jobs. */
  noopJobs: number;
  /** Scenario 1 scaling: runs of the I/O-bound workflow with one worker and with three. */
  ioBoundRuns: number;
  /** Scenario 7 (http): the load window of each round, the callers of its closed-loop rounds, and the engine path's runs. */
  httpWindowSeconds: number;
  httpConcurrencies: number[];
  httpEngineRuns: number;
  /** Scenario 8 (flow): items of the forEach map, its concurrencies, and the rounds of each (median reported). */
  mapItems: number;
  mapConcurrencies: number[];
  mapRepeats: number;
  /** Scenario 8: runs left waiting for an event, reference runs per round next to them, reconciler passes timed. */
  waitingRuns: number;
  waitingRefRuns: number;
  waitingRounds: number;
  reconcilePasses: number;
}

export const plans: Record<Plan['mode'], Plan> = {
  quick: {
    mode: 'quick',
    rounds: 2,
    runsPerRound: 250,
    cappedRuns: 100,
    warmupRuns: 50,
    coreLoopConcurrencies: [10, 20],
    ratePerSec: 10,
    rateSeconds: 5,
    growthSizes: [1, 3, 10, 30],
    growthSteps: 200,
    growthMinRuns: 10,
    fanOutWidth: 100,
    fanOutRepeats: 1,
    ingestLines: 10_000,
    ingestRounds: 1,
    querySizes: [10_000, 100_000],
    queryRepeats: 15,
    queryLoadBudgetSec: 30,
    noopJobs: 5_000,
    ioBoundRuns: 200,
    httpWindowSeconds: 10,
    httpConcurrencies: [10, 50],
    httpEngineRuns: 1_000,
    mapItems: 1_000,
    mapConcurrencies: [10, 50],
    mapRepeats: 2,
    waitingRuns: 1_000,
    waitingRefRuns: 250,
    waitingRounds: 1,
    reconcilePasses: 3,
  },
  full: {
    mode: 'full',
    rounds: 5,
    runsPerRound: 1_000,
    cappedRuns: 500,
    warmupRuns: 200,
    coreLoopConcurrencies: [5, 10, 20, 40, 80],
    ratePerSec: 10,
    rateSeconds: 30,
    growthSizes: [1, 3, 10, 30],
    growthSteps: 3_000,
    growthMinRuns: 40,
    fanOutWidth: 100,
    fanOutRepeats: 3,
    ingestLines: 100_000,
    ingestRounds: 3,
    querySizes: [10_000, 100_000, 1_000_000],
    queryRepeats: 30,
    queryLoadBudgetSec: 300,
    noopJobs: 20_000,
    ioBoundRuns: 1_000,
    httpWindowSeconds: 30,
    httpConcurrencies: [10, 50],
    httpEngineRuns: 3_000,
    mapItems: 1_000,
    mapConcurrencies: [10, 50],
    mapRepeats: 5,
    waitingRuns: 10_000,
    waitingRefRuns: 1_000,
    waitingRounds: 2,
    reconcilePasses: 5,
  },
};
