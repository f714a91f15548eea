import { tracingStarted } from '@conveyor/observability';
import { BullMQOtel } from 'bullmq-otel';

/**
 * BullMQ's own OpenTelemetry integration, for a Queue's or a Worker's options, when this process
 * exports traces: a job carries its producer's trace context, and its processing continues that trace.
 */
export function queueTelemetry(): { telemetry?: BullMQOtel } {
  return tracingStarted() ? { telemetry: new BullMQOtel('conveyor') } : {};
}
