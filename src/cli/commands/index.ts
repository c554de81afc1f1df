/**
 * Every command of the CLI, in the order `--help` lists them. A command module exports one
 * `register*` function that adds itself (with its own --help text) to the program.
 */
import type { Command } from 'commander';
import { registerSimulate } from './simulate.ts';

export type RegisterCommand = (program: Command) => void;

export const commands: readonly RegisterCommand[] = [registerSimulate];
