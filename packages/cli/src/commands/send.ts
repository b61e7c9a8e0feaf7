import { type Command, Option } from 'commander';
import { EXIT } from '../errors.js';
import { resolveEventName } from '../event-names.js';
import { integerOption, parseDataOption, parseTimestampOption } from '../input.js';
import type { CommandContext } from '../io.js';
import { type DeliveryResponse, parseEndpointUrl, sendDelivery } from '../send.js';
import { addSecretOption, signingSecret } from './shared.js';

interface SendCommandOptions {
  url: string;
  data?: string;
  timestamp?: string;
  count: number;
  repeat: number;
  concurrency: number;
  tamper?: boolean;
  timeout: number;
  allowUnknownEvent?: boolean;
  secret?: string[];
}

const HINTS: Record<string, string> = {
  INVALID_SIGNATURE: 'the receiver uses another secret than this one, or does not verify the raw body bytes',
  MALFORMED_SIGNATURE: 'the receiver could not read the signature header',
  TIMESTAMP_OUT_OF_TOLERANCE: "the envelope timestamp is outside the receiver's replay window",
  INVALID_EVENT_DATA: "`data` does not match the event's schema (see `armalo-webhooks sample <event> --data-only`)",
  INVALID_ENVELOPE: 'the body is not an { event, timestamp, data } envelope',
  // Each host says in its own terms how to mount the route (details.fix), and that is printed
  // instead; this line is for receivers that do not send one.
  RAW_BODY_UNAVAILABLE: 'the server read or parsed the body before the webhook handler could see its bytes',
};

/** The receiver's own `details.fix`, when its answer has one. */
function fixFrom(response: DeliveryResponse): string | undefined {
  const details = (response.json as { details?: { fix?: unknown } } | undefined)?.details;
  return typeof details?.fix === 'string' ? details.fix : undefined;
}

/** One answer as a line: status, outcome, the request's latency (and the connect, when one was made), the body. */
export function formatResponse(response: DeliveryResponse, prefix = ''): string {
  const status = `${response.status} ${response.statusText}`.trim();
  const body = response.bodyText.trim() === '' ? '(empty body)' : response.bodyText.trim();
  const connect = response.connectMs === undefined ? '' : ` (connect ${response.connectMs.toFixed(1)} ms)`;
  return `${prefix}${status} · ${response.outcome} · ${response.latencyMs.toFixed(1)} ms${connect} · ${body}\n`;
}

/** Counts and latencies over several answers. */
export function formatSummary(responses: readonly DeliveryResponse[]): string {
  const counts = { handled: 0, queued: 0, duplicate: 0, stale: 0, 'in-progress': 0, rejected: 0 };
  for (const response of responses) counts[response.outcome]++;
  const latencies = responses.map((response) => response.latencyMs).sort((a, b) => a - b);
  const at = (q: number): string =>
    (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(1);
  const queued = counts.queued === 0 ? '' : `${counts.queued} queued, `;
  // Shown only when the receiver answered some: most receivers have no inbox and no freshness guard.
  const stale = counts.stale === 0 ? '' : `${counts.stale} stale, `;
  return `${responses.length} sent: ${counts.handled} handled, ${queued}${counts.duplicate} duplicate, ${stale}${counts['in-progress']} in-progress, ${counts.rejected} rejected · latency min ${at(0)} / median ${at(0.5)} / max ${at(1)} ms\n`;
}

/** `· 10 deliveries × 3 copies, 5 at a time`, or nothing for a single request. */
function describeLoad(count: number, repeat: number, concurrency: number): string {
  const total = count * repeat;
  if (total === 1) return '';
  const what =
    count === 1 ? `${repeat} copies` : repeat === 1 ? `${count} deliveries` : `${count} deliveries × ${repeat} copies`;
  return ` · ${what}, ${Math.min(concurrency, total)} at a time`;
}

/** `#  7 ` for the 7th request, `# 3.2 ` for the second copy of the third delivery. */
function requestLabel(index: number, count: number, repeat: number): string {
  if (count * repeat === 1) return '';
  if (count === 1 || repeat === 1) return `#${String(index + 1).padStart(String(count * repeat).length)} `;
  const delivery = String(Math.floor(index / repeat) + 1).padStart(String(count).length);
  return `#${delivery}.${(index % repeat) + 1} `;
}

/** `armalo-webhooks send <event>`. */
export function registerSendCommand(program: Command, ctx: CommandContext): void {
  const command = program
    .command('send')
    .description(
      'build, sign and POST a delivery to a local endpoint; print status, body and latency (the request alone; connecting is shown apart)',
    )
    .argument('<event>', 'an event name (see `armalo-webhooks events`)')
    .requiredOption('-u, --url <url>', 'the webhook endpoint, e.g. http://127.0.0.1:3000/webhooks/armalo')
    .option('-d, --data <json|@file>', "the envelope's data as JSON, or @path to a JSON file (default: a sample)")
    .option('-t, --timestamp <iso>', 'the envelope timestamp (default: now); reuse one to resend the same bytes')
    .addOption(
      new Option(
        '-n, --count <n>',
        'send n distinct deliveries of the event, each with its own sample data and timestamp',
      )
        .argParser(integerOption('--count', 1, 10_000))
        .default(1)
        .conflicts(['data', 'timestamp']),
    )
    .option(
      '-r, --repeat <n>',
      'send the same bytes n times, to watch deduplication (with --count: each delivery)',
      integerOption('--repeat', 1, 10_000),
      1,
    )
    .option(
      '-c, --concurrency <n>',
      'how many requests are in flight at once',
      integerOption('--concurrency', 1, 256),
      1,
    )
    .option('--tamper', 'change the body after signing it; a correct receiver answers 401')
    .option('--timeout <ms>', 'give up on an answer after this long', integerOption('--timeout', 1, 600_000), 10_000)
    .option('--allow-unknown-event', 'send an event name the catalog does not know');
  addSecretOption(command, 'the webhook secret to sign with');
  command
    .addHelpText(
      'after',
      `
Exit code: 0 when every answer is as expected (2xx, or 409 for concurrent copies; 401 with --tamper),
2 when the receiver answered otherwise, 1 on bad input or an unreachable endpoint.

Examples:
  armalo-webhooks send score.changed --url http://127.0.0.1:3000/webhooks/armalo
  armalo-webhooks send eval.failed --url http://127.0.0.1:3000/webhooks/armalo --data @data.json
  armalo-webhooks send escrow.released --url http://127.0.0.1:3000/webhooks/armalo --repeat 20 --concurrency 5
  armalo-webhooks send eval.completed --url http://127.0.0.1:3000/webhooks/armalo --count 100 --concurrency 10
  armalo-webhooks send pact.violated --url http://127.0.0.1:3000/webhooks/armalo --tamper`,
    )
    .action(async (event: string, options: SendCommandOptions) => {
      const name = resolveEventName(event, { allowUnknown: options.allowUnknownEvent === true });
      const url = parseEndpointUrl(options.url).href;
      const secret = signingSecret(options.secret, ctx);
      const data = options.data === undefined ? undefined : await parseDataOption(options.data);
      const timestamp = options.timestamp === undefined ? undefined : parseTimestampOption(options.timestamp);
      const { count, repeat } = options;
      const repeated = repeat > 1;
      const tamper = options.tamper === true;
      ctx.stdout(
        `POST ${url} · ${name}${tamper ? ' · tampered after signing' : ''}${describeLoad(count, repeat, options.concurrency)}\n`,
      );
      const { responses } = await sendDelivery({
        url,
        event: name,
        secret: secret.value,
        tamper,
        count,
        repeat,
        concurrency: options.concurrency,
        timeoutMs: options.timeout,
        ...(data === undefined ? {} : { data }),
        ...(timestamp === undefined ? {} : { timestamp }),
        onResponse: (response, index) => ctx.stdout(formatResponse(response, requestLabel(index, count, repeat))),
      });
      if (responses.length > 1) ctx.stdout(formatSummary(responses));
      const unexpected = responses.filter((response) =>
        tamper
          ? response.status !== 401
          : response.outcome === 'rejected' || (response.outcome === 'in-progress' && !repeated),
      );
      if (unexpected.length === 0) return;
      ctx.exitCode = EXIT.rejected;
      const first = unexpected[0]!;
      if (tamper) {
        ctx.stderr(
          `error: the receiver answered ${first.status} to a tampered delivery instead of 401: it does not verify the signature over the raw body\n`,
        );
        return;
      }
      const hint = fixFrom(first) ?? (first.code === undefined ? undefined : HINTS[first.code]);
      ctx.stderr(
        `error: ${unexpected.length === 1 ? 'the receiver' : `${unexpected.length} of ${responses.length} answers`} rejected the delivery (${first.status}${first.code === undefined ? '' : ` ${first.code}`})${hint === undefined ? '' : `: ${hint}`}\n`,
      );
    });
}
