/**
 * Preloaded before a service's main module: `node --import @platform/observability/instrument
 * dist/main.js`. Under ES modules a library can only be patched if the loader hook is in place
 * before the first `import` of it is resolved, which is too late inside main. Only the
 * instrumentations are registered here; `startTelemetry` (in main, through runService) installs
 * the tracer provider they report to, with the service's name and version.
 *
 * Does nothing unless tracing is configured (see tracingConfigured).
 */
import { register } from 'node:module';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { redactSqlLiterals } from './sql-redaction.js';
import { tracingConfigured } from './telemetry.js';

/** Requests that are not work: probes and scrapes would otherwise be most of the traces. */
const UNTRACED_PATHS = new Set(['/metrics', '/healthz', '/readyz']);

if (tracingConfigured()) {
  // Only the modules an instrumentation asks for are wrapped (not every import).
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  registerInstrumentations({
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0] ?? ''),
        // Outgoing calls (the schema registry) are traced only as part of some other work.
        requireParentforOutgoingSpans: true,
      }),
      // Statements only, never their values (they hold personal data such as emails): no
      // parameters, and literals inlined into the text are redacted. Queries outside any span
      // (the publisher's idle polling) are not traced.
      new PgInstrumentation({
        requireParentSpan: true,
        enhancedDatabaseReporting: false,
        requestHook: (span, { query }) => span.setAttribute('db.query.text', redactSqlLiterals(query.text)),
      }),
    ],
  });
  await waitForAllMessagesAcknowledged();
}
