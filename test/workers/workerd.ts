import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtimes } from '../runtimes/binaries.js';

// The example's own build script: the test bundles exactly what a user would deploy.
const { bundleWorker } = (await import(
  new URL('../../examples/cloudflare-worker/build.mjs', import.meta.url).href
)) as {
  bundleWorker(entry: string, outfile: string): Promise<unknown>;
};

export interface RunningWorker {
  readonly url: string;
  /** The bundle workerd runs, as text. */
  readonly bundle: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Bundles `entry` for Workers and serves it with the real workerd binary on a free port of
 * 127.0.0.1 (`--socket-addr=http=127.0.0.1:0`; workerd reports the port on the control fd).
 * Each name in `secrets` becomes a binding read from workerd's environment, never written to a file.
 */
export async function startWorker(entry: string, secrets: Record<string, string> = {}): Promise<RunningWorker> {
  const dir = await mkdtemp(join(tmpdir(), 'armalo-workerd-'));
  await bundleWorker(entry, join(dir, 'worker.js'));
  const bindings = Object.keys(secrets).map((name) => `(name = "${name}", fromEnvironment = "${name}")`);
  await writeFile(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "worker.js") ],
  compatibilityDate = "2025-09-01",
  bindings = [ ${bindings.join(', ')} ],
);
`,
  );
  const child: ChildProcess = spawn(
    runtimes.workerd(),
    ['serve', join(dir, 'config.capnp'), '--socket-addr=http=127.0.0.1:0', '--control-fd=3'],
    { env: { ...process.env, ...secrets }, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const port = await new Promise<number>((resolve, reject) => {
    let control = '';
    const timer = setTimeout(() => reject(new Error(`workerd did not listen within 60 s:\n${output}`)), 60_000);
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
      control += chunk.toString();
      for (const line of control.split('\n')) {
        const event = line.trim() ? (JSON.parse(line) as { event?: string; port?: number }) : undefined;
        if (event?.event === 'listen' && event.port !== undefined) {
          clearTimeout(timer);
          resolve(event.port);
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`workerd exited (${code}) before listening:\n${output}`));
    });
  }).catch(async (error) => {
    await stop();
    throw error;
  });
  return {
    url: `http://127.0.0.1:${port}`,
    bundle: await readFile(join(dir, 'worker.js'), 'utf8'),
    output: () => output,
    stop,
  };
}
