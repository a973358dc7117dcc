// `./platform top`: a live view of the running pipeline from the services' own /metrics, in the
// terminal (over SSH too; no browser). In a terminal it redraws every TOP_INTERVAL_SECONDS (2);
// piped, or with --once, it prints one frame (two scrapes one interval apart) and exits.
//
//   ./platform top            # Ctrl-C to leave
//   ./platform top --once     # one frame, plain text
//
// Where each service serves its metrics: 127.0.0.1 and OPS_HTTP_PORT, PUBLISHER_HTTP_PORT and
// SINK_HTTP_PORT (their defaults otherwise), or TOP_HOST for another host.
import { scrape } from '@platform/testing';
import { SERVICES, topFrame } from './top-frame.js';

const intervalSeconds = Number(process.env.TOP_INTERVAL_SECONDS ?? 2);
if (!(intervalSeconds > 0)) {
  console.error(
    `top: TOP_INTERVAL_SECONDS must be a positive number, got "${process.env.TOP_INTERVAL_SECONDS}"`,
  );
  process.exit(2);
}
const host = process.env.TOP_HOST ?? '127.0.0.1';
const live = process.stdout.isTTY && !process.argv.includes('--once');

async function scrapeAll() {
  return Object.fromEntries(
    await Promise.all(
      SERVICES.map(async ({ name, portVariable, port }) => {
        const url = `http://${host}:${process.env[portVariable] ?? port}/metrics`;
        try {
          return [name, { samples: await scrape(url), at: performance.now() }];
        } catch (error) {
          return [name, { error: `${url}: ${error.cause?.code ?? error.message}` }];
        }
      }),
    ),
  );
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let previous = await scrapeAll();
let started = performance.now();
for (;;) {
  await sleep(intervalSeconds * 1000);
  const current = await scrapeAll();
  const scrapes = Object.fromEntries(
    SERVICES.map(({ name }) => {
      const [before, after] = [previous[name], current[name]];
      if (after.error || before.error) return [name, { error: after.error ?? before.error }];
      return [name, { before: before.samples, after: after.samples }];
    }),
  );
  const frame = topFrame(scrapes, (performance.now() - started) / 1000);
  if (!live) {
    console.log(frame);
    process.exit(Object.values(scrapes).some((s) => s.error) ? 1 : 0);
  }
  process.stdout.write(`\x1b[H\x1b[2J${frame}\n\n(Ctrl-C to leave)\n`);
  previous = current;
  started = performance.now();
}
