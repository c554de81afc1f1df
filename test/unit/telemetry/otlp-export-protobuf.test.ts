import { it } from 'vitest';
import { exportScenario } from './otlp-export.shared.ts';

it('exports the span tree, events, failures and metrics over OTLP http/protobuf (the SDK default) to a loopback receiver', async () => {
  await exportScenario('http/protobuf');
});
