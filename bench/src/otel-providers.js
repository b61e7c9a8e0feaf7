// A real OpenTelemetry SDK for the instrumentation benchmark: spans go through a batch processor
// to an exporter that drops them, metrics into a reader nobody collects. What `instrument()` adds
// to a delivery is then the SDK's own work, not an exporter's.
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

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
    tracerProvider: new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: dropExporter })] }),
    meterProvider: new MeterProvider({ readers: [new IdleReader()] }),
  };
}
