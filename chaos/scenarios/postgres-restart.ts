import { sleep } from '../cleanup';
import type { Scenario } from '../suite';

export const postgresRestart: Scenario = {
  name: 'postgres-restart',
  description: 'PostgreSQL is restarted (`pg_ctl restart -m fast`) 10 s into the load.',
  perSecond: (runs) => Math.max(1, runs / 30),
  async fault(ctx) {
    await sleep(10_000);
    const started = Date.now();
    await ctx.services.postgres.restart();
    ctx.details.postgresRestartMs = Date.now() - started;
  },
};
