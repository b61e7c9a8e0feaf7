import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

const LOCK_FILE = 'armalo-inbox.lock';

/**
 * Claims a PGlite directory for this process. PGlite opens a directory that another process has
 * open without a word, and the two then overwrite each other's files: the inbox refuses instead.
 * A lock left by a process that died (SIGKILL, power loss) names a process that is gone, and is
 * taken over. Answers the release.
 */
export function lockDirectory(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const me = `${process.pid} ${hostname()}\n`;
  for (let tries = 0; ; tries++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, me);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 3) throw error;
    }
    const holder = readHolder(path);
    if (holder !== undefined && isAlive(holder)) {
      throw new Error(
        `armalo-webhooks: the PGlite inbox in ${dir} is open in process ${holder.pid} on ${holder.host}; PGlite serves one process at a time (stop that process first, or move to a PostgreSQL server: { connectionString }). If no such process runs, delete ${path}.`,
      );
    }
    // Left by a process that is gone: take it over (another starter racing us gets EEXIST above).
    try {
      unlinkSync(path);
    } catch {}
  }
  return () => {
    try {
      if (readFileSync(path, 'utf8') === me) unlinkSync(path);
    } catch {}
  };
}

function readHolder(path: string): { pid: number; host: string } | undefined {
  try {
    const [pid, host] = readFileSync(path, 'utf8').trim().split(' ');
    const number = Number(pid);
    return Number.isInteger(number) && number > 0 ? { pid: number, host: host ?? '' } : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(holder: { pid: number; host: string }): boolean {
  // A lock from another machine (a shared volume) cannot be checked: it is taken as held.
  if (holder.host !== hostname()) return true;
  if (holder.pid === process.pid) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
