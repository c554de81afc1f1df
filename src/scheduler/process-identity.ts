/**
 * Who holds a run lock or runs a run: host, pid, and a random instance id per process. The instance
 * matters in containers: a restarted daemon often gets the same hostname and pid as the one that
 * died, and without it the dead one's lock would look like its own.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

export interface ProcessIdentity {
  readonly host: string;
  readonly pid: number;
  /** Random per process start. */
  readonly instance: string;
}

export const THIS_PROCESS: ProcessIdentity = { host: hostname(), pid: process.pid, instance: randomUUID() };

/** Is a process on this host alive? `process.kill(pid, 0)`; EPERM means it exists. */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface LivenessOptions {
  readonly me: ProcessIdentity;
  readonly isAlive: (pid: number) => boolean;
  readonly now: Date;
  /** A process on another host is gone after this long without heartbeat. */
  readonly staleAfterMs: number;
}

/**
 * Is the process `other` (last heard of at `heartbeatAt`) still alive? On this host its pid decides
 * (a process with a blocked event loop is still running its batch), except that a pid we hold
 * ourselves under another instance id was reused; on another host, only the heartbeat can tell.
 */
export function isProcessAlive(other: ProcessIdentity, heartbeatAt: string | undefined, options: LivenessOptions): boolean {
  const { me } = options;
  if (other.instance === me.instance) return true;
  if (other.host === me.host) return other.pid !== me.pid && options.isAlive(other.pid);
  return heartbeatAt !== undefined && options.now.getTime() - Date.parse(heartbeatAt) <= options.staleAfterMs;
}
