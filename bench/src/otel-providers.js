// A real OpenTelemetry SDK for the instrumentation benchmark: spans go through a batch processor
// to an exporter that drops them, metrics into a reader nobody collects. What `instrument()` adds
// to a delivery is then the SDK's own work, not an exporter's.
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

class IdleReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

const dropExporter = {
  export(_spans, done) {
    done({ code: 0 });
  },
  async shutdown() {},
};

export function createOtelProviders() {
  return {
    tracerProvider: new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropExporter)] }),
    meterProvider: new MeterProvider({ readers: [new IdleReader()] }),
  };
}
