// pino-roll ships no types; this is the part of its API sra-etl uses (pino-roll 4).
declare module 'pino-roll' {
  import type SonicBoom from 'sonic-boom';

  interface PinoRollOptions {
    readonly file: string | (() => string);
    readonly size?: string | number;
    readonly frequency?: 'daily' | 'hourly' | number;
    readonly extension?: string;
    readonly symlink?: boolean;
    readonly limit?: { readonly count?: number; readonly removeOtherLogFiles?: boolean };
    readonly dateFormat?: string;
    readonly mkdir?: boolean;
    readonly sync?: boolean;
  }

  export default function pinoRoll(options: PinoRollOptions): Promise<SonicBoom>;
}
