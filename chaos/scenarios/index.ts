import type { Scenario } from '../suite';
import { mongoDown } from './mongo-down';
import { none } from './none';
import { postgresRestart } from './postgres-restart';
import { redisRestart, redisWiped } from './redis';
import { sameJobKilledTwice } from './same-job-killed-twice';
import { workerPartition } from './worker-partition';
import { workerSigkill } from './worker-sigkill';
import { workerSigterm } from './worker-sigterm';

/** In order; `none` first, it teaches the others how many log lines a run writes. */
export const scenarios: Scenario[] = [
  none,
  workerSigkill,
  sameJobKilledTwice,
  workerSigterm,
  redisRestart,
  redisWiped,
  mongoDown,
  postgresRestart,
  workerPartition,
];
