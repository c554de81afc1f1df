import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProgressBoard, progressBoardFor, progressLine } from '../../../src/progress/progress-board.ts';

describe('progress on a terminal', () => {
  it('formats windows done of total, sessions, MB and rate', () => {
    const line = progressLine('Backfill #1 support -> db', { windowsDone: 3, windowsTotal: 10, sessions: 12345, bytes: 25 * 1024 * 1024, files: 4 }, 5000);
    expect(line).toBe('Backfill #1 support -> db  windows 3/10  12,345 sessions  25.0 MB  5.0 MB/s  4 files');
  });

  it('redraws one line per transfer in place', () => {
    const stream = Object.assign(new PassThrough(), { columns: 200 });
    let text = '';
    stream.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    let clock = 0;
    const board = new ProgressBoard(stream, { intervalMs: 60_000, now: () => clock });
    const a = board.reporter('A');
    const b = board.reporter('B');
    a.windows(4);
    a.windowDone();
    a.sessions(10);
    b.bytes(2048);
    clock = 1000;
    board.render();
    a.windowDone();
    board.stop();
    const frames = text.split('\x1b[2F'); // second draw moves the cursor up over the two lines
    expect(frames).toHaveLength(2);
    expect(frames[0]).toBe('\x1b[2KA  windows 1/4  10 sessions  0.0 KB  0.0 KB/s\n\x1b[2KB  0 sessions  2.0 KB  2.0 KB/s\n');
    expect(frames[1]).toContain('A  windows 2/4');
  });

  it('stays silent when the stream is not a terminal (daemons, pipes, CI logs)', () => {
    expect(progressBoardFor(Object.assign(new PassThrough(), { isTTY: false }))).toBeUndefined();
    expect(progressBoardFor(Object.assign(new PassThrough(), { isTTY: true }), false)).toBeUndefined();
  });
});
