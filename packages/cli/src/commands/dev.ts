import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInboxWorker, createWebhookReceiver, type Inbox } from '@armalo-webhooks/core';
import { createNodeHandler } from '@armalo-webhooks/core/node';
import { INSPECTOR_URL_ENV, isLoopback } from '@armalo-webhooks/inspect';
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { integerOption } from '../input.js';
import { type Inspector, startInspector } from '../inspector/server.js';
import type { CommandContext } from '../io.js';
import { resolveSecrets, type SecretSource } from '../secrets.js';
import { addInboxOptions, type InboxTarget, openInbox, wantsInbox } from './inbox-connect.js';
import { addSecretOption } from './shared.js';

interface DevOptions extends InboxTarget {
  forwardTo?: string;
  port: number;
  path: string;
  uiPort: number;
  host: string;
  max: number;
  secret?: string[];
}

/** `armalo-webhooks dev`. */
export function registerDevCommand(program: Command, ctx: CommandContext): void {
  const command = program
    .command('dev')
    .description(
      'a local inspector: every delivery received, its verdict and payload, with replay, send-sample and redrive',
    )
    .option(
      '--forward-to <url>',
      "attached mode: your app's webhook URL, where Replay and Send sample go (the app reports with inspect())",
    )
    .option('-p, --port <n>', "standalone mode: the receiver's port", integerOption('--port', 0, 65_535), 3030)
    .option('--path <path>', "standalone mode: the receiver's path", '/webhooks/armalo')
    .option('--ui-port <n>', "the inspector page's port (0: any free one)", integerOption('--ui-port', 0, 65_535), 4400)
    .option('--host <address>', 'the address to bind; anything but loopback exposes payloads', '127.0.0.1')
    .option('--max <n>', 'most deliveries kept in memory', integerOption('--max', 1, 100_000), 200);
  addInboxOptions(command, 'dev');
  addSecretOption(command, 'the webhook secret: verifies (standalone), diagnoses and signs samples');
  command
    .addHelpText(
      'after',
      `
Standalone: a receiver on --port verifies with the secret and answers as a correctly configured app
would; point senders (armalo-webhooks send, a tunnel) at it. Attached: with --forward-to, your app
reports its own deliveries, so the page shows your handlers' real outcomes. In the app:
  observers: [inspect()]   // import { inspect } from '@armalo-webhooks/inspect'
and start it with ${INSPECTOR_URL_ENV} set to the inspector URL printed here.

The page's URL carries a random token; every request without it is refused. The secret never
reaches the page. Deliveries are kept in memory only (--max). Ctrl-C stops.

Examples:
  armalo-webhooks dev --secret "$ARMALO_WEBHOOK_SECRET"
  armalo-webhooks dev --secret "$ARMALO_WEBHOOK_SECRET" --pglite ./.armalo-inbox
  armalo-webhooks dev --forward-to http://127.0.0.1:3000/webhooks/armalo --redis redis://127.0.0.1:6379`,
    )
    .action(async (options: DevOptions) => {
      const attached = options.forwardTo !== undefined;
      if (!options.path.startsWith('/')) throw new CliError('--path must start with /');
      if (attached && options.pglite !== undefined) {
        throw new CliError(
          '--pglite is for standalone mode: a PGlite directory serves one process, and in attached mode your app has it',
        );
      }
      if (!isLoopback(options.host)) {
        ctx.stderr(
          `warning: --host ${options.host} lets other machines reach the inspector; anyone with its URL sees payloads and can send deliveries\n`,
        );
      }
      // Standalone verifies, so it needs the secret; attached only uses it for samples and diagnoses.
      const secrets: SecretSource[] = attached
        ? optionalSecrets(options.secret, ctx)
        : resolveSecrets(options.secret, ctx.env);
      // Listening before anything starts: a signal during startup stops dev as soon as it is up.
      const stop = stopSignal();
      const closers: (() => Promise<unknown>)[] = [async () => stop.dispose()];
      try {
        const inbox = wantsInbox(options) ? await openInbox(options) : undefined;
        if (inbox !== undefined) closers.unshift(() => inbox.close());
        // With --pglite the standalone receiver's own deliveries go through the inbox.
        const own = options.pglite === undefined ? undefined : inbox;
        const receiver = attached ? undefined : await startReceiver(options, secrets, own);
        if (receiver !== undefined) closers.unshift(receiver.close);
        const inspector = await startInspector({
          host: options.host,
          port: options.uiPort,
          secrets,
          max: options.max,
          mode: attached ? 'attached' : 'standalone',
          ...(inbox === undefined ? {} : { inbox }),
          ...(attached ? { target: options.forwardTo } : receiver === undefined ? {} : { target: receiver.url }),
        }).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'EADDRINUSE') throw error;
          throw new CliError(
            `--ui-port ${options.uiPort} is in use on ${options.host}: pick another, or 0 for any free port`,
          );
        });
        closers.unshift(inspector.close);
        receiver?.attach(inspector);
        ctx.stdout(banner(attached, inspector.url, receiver?.url, options, inbox, secrets));
        await stop.signalled;
        ctx.stdout('stopped\n');
      } finally {
        for (const close of closers) await close().catch(() => {});
      }
    });
}

function optionalSecrets(fromOptions: string[] | undefined, ctx: CommandContext): SecretSource[] {
  try {
    return resolveSecrets(fromOptions, ctx.env);
  } catch {
    return [];
  }
}

function banner(
  attached: boolean,
  inspectorUrl: string,
  receiverUrl: string | undefined,
  options: DevOptions,
  inbox: Inbox | undefined,
  secrets: readonly SecretSource[],
): string {
  const lines = [`armalo-webhooks dev · ${attached ? 'attached' : 'standalone'}`];
  lines.push(`  inspector  ${inspectorUrl}`);
  if (receiverUrl !== undefined)
    lines.push(`  receiver   ${receiverUrl}  (verifies with ${secrets.map((s) => s.label).join(', ')})`);
  if (attached) {
    lines.push(`  app        ${options.forwardTo}  (Replay and Send sample go here)`);
    lines.push(`  in the app: observers: [inspect()], with ${INSPECTOR_URL_ENV}=${inspectorUrl}`);
    if (secrets.length === 0) lines.push('  no secret: Send sample and signature diagnoses need --secret');
  }
  if (inbox !== undefined) {
    const where =
      options.pglite === undefined ? '' : ` in ${options.pglite} (the receiver's deliveries are stored there)`;
    lines.push(`  inbox      ${inbox.kind}, queue ${options.queue ?? 'armalo-webhooks'}${where}`);
  }
  lines.push('Ctrl-C stops.');
  return `${lines.join('\n')}\n`;
}

interface StandaloneReceiver {
  url: string;
  attach(inspector: Inspector): void;
  close(): Promise<void>;
}

// Handlers do nothing: the standalone receiver answers as a correctly configured app does, so what
// the page shows is the verdict on the delivery itself. With an inbox, deliveries are stored and a
// worker in this process runs them.
async function startReceiver(
  options: DevOptions,
  secrets: readonly SecretSource[],
  inbox: Inbox | undefined,
): Promise<StandaloneReceiver> {
  let inspector: Inspector | undefined;
  const webhooks = createWebhookReceiver({
    secret: secrets.map((secret) => secret.value),
    unknownEvents: 'acknowledge',
    ...(inbox === undefined ? {} : { inbox }),
    logger: { warn: () => {}, error: () => {} },
    observers: [
      {
        received: (start) => inspector?.observer.received?.(start),
        read: (body, from) => inspector?.observer.read?.(body, from),
        answered: (answer, from) => inspector?.observer.answered?.(answer, from),
      },
    ],
  });
  webhooks.onAny(() => {});
  webhooks.onUnknown(() => {});
  const worker = inbox === undefined ? undefined : createInboxWorker(webhooks, { concurrency: 4 });
  await worker?.start();
  const handle = createNodeHandler(webhooks);
  const server: Server = createServer((req, res) => {
    if (new URL(req.url ?? '/', 'http://receiver').pathname === options.path) return void handle(req, res);
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`the receiver listens on ${options.path}\n`);
  });
  await listen(server, options.port, options.host, '--port');
  const { port } = server.address() as AddressInfo;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}${options.path}`,
    attach: (value) => {
      inspector = value;
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await worker?.stop();
    },
  };
}

function listen(server: Server, port: number, host: string, flag: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new CliError(
          error.code === 'EADDRINUSE'
            ? `${flag} ${port} is in use on ${host}: pick another, or 0 for any free port`
            : `cannot listen on ${host}:${port}: ${error.message}`,
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
}

function stopSignal(): { signalled: Promise<void>; dispose: () => void } {
  let dispose = () => {};
  const signalled = new Promise<void>((resolve) => {
    const stop = () => {
      dispose();
      resolve();
    };
    dispose = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return { signalled, dispose };
}
