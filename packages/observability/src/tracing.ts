import { createRequire } from 'node:module';
import type { TracingConfig } from '@conveyor/config';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { type InstrumentationBase, registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { markTracingStarted } from './tracing-state';

let provider: NodeTracerProvider | undefined;

/**
 * Starts OpenTelemetry's tracing in this process when `config` says so (`loadTracingConfig`): spans
 * batched to the OTLP exporter, and the instrumentations of the run's path — inbound and outbound
 * http, undici (the http.request action's calls), pg and ioredis. Off, nothing is registered and
 * every span of `@opentelemetry/api` is a no-op.
 *
 * The apps are ES modules whose whole import graph is loaded before any of their code runs, and
 * whose bundles import npm packages at their top: a loader hook registered here would come too late.
 * The instrumented packages are CommonJS, which Node loads once into the `require` cache that ESM
 * imports share, and the instrumentations patch prototypes in place. So each instrumented package is
 * required once here, after the require hooks are set: the hooks patch the very objects the app's
 * imports hold, whether those were loaded before this call (a bundle) or after it (tsx).
 */
export function startTracing(config: TracingConfig): void {
  if (!config.enabled || provider) return;
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': config.serviceName }))
    .merge(detectResources({ detectors: [envDetector] }));
  const exporter = config.protocol === 'http/json' ? new JsonExporter() : new ProtobufExporter();
  provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
  provider.register();
  markTracingStarted();
  const instrumentations: InstrumentationBase[] = [
    new HttpInstrumentation(),
    new UndiciInstrumentation(),
    new PgInstrumentation(),
    new IORedisInstrumentation(),
  ];
  registerInstrumentations({ instrumentations });
  const require = createRequire(import.meta.url);
  for (const instrumentation of instrumentations) {
    for (const { name } of instrumentation.getModuleDefinitions()) require(name);
  }
}

/** Exports the spans still batched; a process calls it last, before it exits. */
export async function stopTracing(): Promise<void> {
  await provider?.shutdown().catch(() => undefined);
}
