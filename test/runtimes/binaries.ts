import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const platform = `${process.platform}-${process.arch}`;

/** The platform package's binary, for an install whose postinstall did not run. */
function fromPlatformPackage(pkgDir: string, name: string, file: string): string {
  try {
    return join(dirname(createRequire(join(pkgDir, 'package.json')).resolve(`${name}/package.json`)), file);
  } catch {
    return join(pkgDir, file);
  }
}

/**
 * The real runtime binaries the `bun`, `deno` and `workerd` npm packages install. Never the
 * `node_modules/.bin` shims: they run the binary as a child, and killing the shim leaves the
 * runtime running and holding its port.
 */
export const runtimes = {
  bun(): string {
    const dir = dirname(require.resolve('bun/package.json'));
    const linked = join(dir, 'bin', 'bun.exe');
    return existsSync(linked) ? linked : fromPlatformPackage(dir, `@oven/bun-${platform}`, 'bin/bun');
  },
  deno(): string {
    const dir = dirname(require.resolve('deno/package.json'));
    const placed = join(dir, 'deno');
    const sub = platform.startsWith('linux-') ? `${platform}-glibc` : platform;
    return existsSync(placed) ? placed : fromPlatformPackage(dir, `@deno/${sub}`, 'deno');
  },
  workerd(): string {
    return (require('workerd') as { default: string }).default;
  },
};

export type RuntimeName = keyof typeof runtimes;

/**
 * The runtime's version line, or `undefined` when its binary cannot run here. With CI set a
 * missing runtime is an error, so the suites fail instead of passing silently; without it they
 * are skipped with one line saying why.
 */
export function runtimeVersion(name: RuntimeName): string | undefined {
  let problem: string;
  try {
    const line = execFileSync(runtimes[name](), ['--version'], { encoding: 'utf8', timeout: 20_000 }).split('\n')[0];
    return `${name} ${line?.replace(`${name} `, '').split(' ')[0]}`;
  } catch (error) {
    problem = error instanceof Error ? (error.message.split('\n')[0] ?? String(error)) : String(error);
  }
  const message = `${name} cannot run here (${problem}); it is a devDependency of test/, so pnpm install brings it`;
  if (process.env.CI) throw new Error(`${message}; CI is set, so the ${name} suites fail instead of skipping`);
  console.log(`skipping the ${name} suites: ${message}; set CI to make this a failure`);
  return undefined;
}

export interface RunningServer {
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts a server in a runtime and waits for the line `listening <port>` (or `listening on
 * http://127.0.0.1:<port>`, as the examples print) on stdout. Servers listen on port 0 of
 * 127.0.0.1, so runs never race for a port. `output()` is everything it printed so far.
 */
export function startServer(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<RunningServer> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${command} did not start within 60 s:\n${output}`));
    }, 60_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const port = /listening (?:on http:\/\/127\.0\.0\.1:)?(\d+)/.exec(output)?.[1];
      if (port === undefined) return;
      clearTimeout(timer);
      resolve({ url: `http://127.0.0.1:${port}`, child, output: () => output, stop });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
}
