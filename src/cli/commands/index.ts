/**
 * Every command of the CLI, in the order `--help` lists them. A command module exports one
 * `register*` function that adds itself (with its own --help text) to the program.
 */
import type { Command } from 'commander';
import { registerBench } from './bench.ts';
import { registerConfig } from './config.ts';
import { registerDemo } from './demo.ts';
import { registerDb } from './db-init.ts';
import { registerNotify } from './notify.ts';
import { registerPull } from './pull.ts';
import { registerReplay } from './replay.ts';
import { registerRun } from './run.ts';
import { registerServe } from './serve.ts';
import { registerSimulate } from './simulate.ts';
import { registerStatus } from './status.ts';
import { registerTestSite } from './test-site.ts';

export type RegisterCommand = (program: Command) => void;

export const commands: readonly RegisterCommand[] = [registerDemo, registerRun, registerServe, registerStatus, registerPull, registerReplay, registerTestSite, registerConfig, registerDb, registerBench, registerNotify, registerSimulate];
