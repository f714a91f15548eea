import type { Env } from './env';

/**
 * Whether and how a process exports OpenTelemetry traces, from the standard `OTEL_*` variables. These
 * stay outside the apps' env schemas: the SDK's own variables (`OTEL_EXPORTER_OTLP_HEADERS`,
 * `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER`, `OTEL_BSP_*`…) are read by the SDK itself.
 */
export type TracingConfig = { enabled: false } | { enabled: true; serviceName: string; protocol: 'http/protobuf' | 'http/json' };

/**
 * Off unless an OTLP destination is named (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or `OTEL_TRACES_EXPORTER=otlp`); `OTEL_SDK_DISABLED=true` or
 * `OTEL_TRACES_EXPORTER=none` keeps it off. Only the OTLP exporter over HTTP is supported.
 */
export function loadTracingConfig(defaultServiceName: string, env: Env = process.env): TracingConfig {
  const exporter = env.OTEL_TRACES_EXPORTER?.trim();
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true' || exporter === 'none') return { enabled: false };
  if (exporter !== undefined && exporter !== '' && exporter !== 'otlp') {
    throw new Error(`OTEL_TRACES_EXPORTER: "${exporter}" is not supported (otlp or none)`);
  }
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (exporter !== 'otlp' && !endpoint) return { enabled: false };
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf').trim();
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL: "${protocol}" is not supported (http/protobuf or http/json)`);
  }
  return { enabled: true, serviceName: env.OTEL_SERVICE_NAME?.trim() || defaultServiceName, protocol };
}
