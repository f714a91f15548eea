import { collectDefaultMetrics, Registry } from 'prom-client';

export { Registry };

/** A fresh registry per process (never the global one), with Node's default process metrics. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
