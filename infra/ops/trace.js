// `./platform trace TRACE_ID | --last`: one trace from the local Jaeger's query API, drawn as a
// waterfall in the terminal, so a request's journey (API -> outbox -> Kafka -> sink) can be seen
// without a browser. --last takes the most recent POST /users trace of the last hour.
//
//   ./platform trace --last
//   ./platform trace 4bf92f3577b34da6a3ce929d0e0e4736
//
// Jaeger is found at JAEGER_QUERY_URL (set by ./platform env; http://127.0.0.1:26686 otherwise).
import { latestTrace, traceWaterfall } from './trace-waterfall.js';

const jaeger = process.env.JAEGER_QUERY_URL ?? 'http://127.0.0.1:26686';
const argument = process.argv[2];
if (!argument || (argument !== '--last' && !/^[0-9a-f]{1,32}$/i.test(argument))) {
  console.error('usage: ./platform trace TRACE_ID | --last   (a trace id is up to 32 hex digits)');
  process.exit(2);
}

async function get(path) {
  let response;
  try {
    response = await fetch(`${jaeger}${path}`);
  } catch (error) {
    console.error(
      `trace: Jaeger does not answer at ${jaeger} (${error.cause?.code ?? error.message}); is the stack up?`,
    );
    process.exit(1);
  }
  if (response.status === 404) return undefined;
  if (!response.ok) {
    console.error(`trace: Jaeger answered ${response.status} for ${path}`);
    process.exit(1);
  }
  return (await response.json()).data;
}

let trace;
if (argument === '--last') {
  const query = new URLSearchParams({
    service: 'user-api',
    operation: 'POST /users',
    lookback: '1h',
    limit: '20',
  });
  trace = latestTrace((await get(`/api/traces?${query}`)) ?? []);
  if (!trace) {
    console.error(
      'trace: no POST /users trace in the last hour (is tracing on? LOCAL_TRACING=off turns it off)',
    );
    process.exit(1);
  }
} else {
  trace = (await get(`/api/traces/${argument}`))?.[0];
  if (!trace) {
    console.error(
      `trace: Jaeger has no trace ${argument} (traces reach it a second or so after the request)`,
    );
    process.exit(1);
  }
}
console.log(traceWaterfall(trace));
