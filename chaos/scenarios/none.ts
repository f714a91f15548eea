import type { Scenario } from '../suite';

export const none: Scenario = {
  name: 'none',
  description: 'No fault: the baseline (and where the log lines of one run are counted).',
  perSecond: (runs) => Math.max(1, runs / 20),
  async fault() {},
};
