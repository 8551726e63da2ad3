// OpenTelemetry tracing, off unless an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turn it off again).
// The W3C trace context travels inside the CloudEvents (the `traceparent` / `tracestate` extensions of the
// CloudEvents distributed-tracing spec): newEvent stamps the active span on every event, the outbox keeps it, the
// HTTP and NATS bindings carry it as `ce-traceparent`, and handling or delivering an event opens a span under it —
// so one upload, from its bucket notification on, is one trace across every function.
// Without a provider the API is a no-op: no context is injected and spans cost next to nothing.
import { type Attributes, type Context, ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import type { TracingConfig } from '../config.ts';

export { SpanKind };

export interface TraceContext {
  traceparent?: string;
  tracestate?: string;
}

let running: { shutdown(): Promise<void>; forceFlush(): Promise<void> } | undefined;

/** Registers the global tracer provider exporting to OTLP over HTTP, once per process. */
export async function startTracing(settings: TracingConfig, serviceName: string): Promise<{ shutdown(): Promise<void>; forceFlush(): Promise<void> }> {
  if (running) return running;
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName ?? serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.tracesUrl, headers: settings.headers }))],
  });
  provider.register();
  const started = {
    forceFlush: () => provider.forceFlush(),
    shutdown: async () => {
      running = undefined;
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
  running = started;
  return started;
}

/** The active span's W3C trace context, for an event about to be emitted (empty when tracing is off). */
export function currentTraceContext(): TraceContext {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return { ...(carrier.traceparent ? { traceparent: carrier.traceparent } : {}), ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}) };
}

/** The context an event's trace extensions describe (the active one when it carries none). */
export function contextOf(carrier: TraceContext): Context {
  if (!carrier.traceparent) return context.active();
  return propagation.extract(ROOT_CONTEXT, { traceparent: carrier.traceparent, ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}) });
}

/** Runs `work` in a new active span under `parent` (default: the active context); errors mark the span and go on. */
export async function inSpan<T>(name: string, options: { kind: SpanKind; attributes?: Attributes; parent?: Context }, work: () => Promise<T>): Promise<T> {
  return trace.getTracer('mediateca').startActiveSpan(name, { kind: options.kind, attributes: options.attributes }, options.parent ?? context.active(), async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Wraps a database connection's queries in client spans (`db SELECT`, the SQL text without its parameters), so a
 * trace shows each round trip to PostgreSQL under the handler that made it. No-op spans when tracing is off.
 */
export function traceQueries<C extends { executeQuery(query: { sql: string }): Promise<unknown> }>(connection: C): C {
  const execute = connection.executeQuery.bind(connection);
  connection.executeQuery = ((query: { sql: string }) => {
    if (!trace.getActiveSpan()) return execute(query);
    const verb = /^\s*(\w+)/.exec(query.sql)?.[1]?.toUpperCase() ?? 'QUERY';
    return inSpan(`db ${verb}`, { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', 'db.operation.name': verb, 'db.query.text': query.sql.slice(0, 1000) } }, () => execute(query));
  }) as C['executeQuery'];
  return connection;
}

/** One object-store request as a client span (`s3 PutObject`), when a span is active (no root spans for background calls). */
export function traceStorageCall<T>(operation: string, bucket: string | undefined, key: string | undefined, work: () => Promise<T>): Promise<T> {
  if (!trace.getActiveSpan()) return work();
  const attributes: Attributes = { 'rpc.system': 'aws-api', 'rpc.service': 'S3', 'rpc.method': operation, ...(bucket ? { 'aws.s3.bucket': bucket } : {}), ...(key ? { 'aws.s3.key': key } : {}) };
  return inSpan(`s3 ${operation}`, { kind: SpanKind.CLIENT, attributes }, work);
}

/**
 * An API request as a server span, continuing the caller's W3C `traceparent` header when it sends one: the events
 * the request emits carry it, so an edit is one trace from the request through every consumer. `done` names the
 * matched route and status once the request is answered.
 */
export async function inServerSpan(method: string, headers: Headers, work: () => Promise<void>, done: () => { route: string; status: number }): Promise<void> {
  const traceparent = headers.get('traceparent');
  const tracestate = headers.get('tracestate');
  const parent = traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent, ...(tracestate ? { tracestate } : {}) }) : ROOT_CONTEXT;
  await trace.getTracer('mediateca').startActiveSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } }, parent, async (span) => {
    try {
      await work();
      const { route, status } = done();
      span.updateName(`${method} ${route}`);
      span.setAttributes({ 'http.route': route, 'http.response.status_code': status });
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}
