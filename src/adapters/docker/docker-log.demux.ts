import type { LogLine } from '../../core/ports/runtime.port.js';

/**
 * Turns the bytes of a Docker logs response into lines.
 *
 * Containers without a TTY answer with a multiplexed stream: frames of an 8-byte header
 * (stream type, 3 zero bytes, payload size as uint32 big-endian) followed by the payload. One line can
 * span several frames (an application that writes a line in pieces) and one frame can hold several lines.
 * Containers with a TTY answer with the raw terminal output (all of it on stdout, lines ending in CRLF).
 */

type StreamName = LogLine['stream'];

const HEADER_SIZE = 8;
const NEWLINE = 0x0a;

/** Collects bytes per stream and emits complete lines; keeps bytes as bytes so UTF-8 split across frames survives. */
class LineAssembler {
  private readonly pending: Record<StreamName, Buffer[]> = { stdout: [], stderr: [] };
  readonly lines: LogLine[] = [];

  push(stream: StreamName, chunk: Buffer): void {
    let start = 0;
    let newline = chunk.indexOf(NEWLINE, start);
    while (newline !== -1) {
      this.pending[stream].push(chunk.subarray(start, newline));
      this.emit(stream);
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) this.pending[stream].push(chunk.subarray(start));
  }

  /** Emits what is left of unterminated lines (the last line of a log often has no newline yet). */
  finish(): LogLine[] {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.pending[stream].length > 0) this.emit(stream);
    }
    return this.lines;
  }

  private emit(stream: StreamName): void {
    const text = Buffer.concat(this.pending[stream]).toString('utf8');
    this.pending[stream] = [];
    this.lines.push({ stream, text: text.endsWith('\r') ? text.slice(0, -1) : text });
  }
}

function streamOf(type: number): StreamName {
  // 0 stdin and 1 stdout are shown as stdout; 2 stderr and 3 (engine's own error) as stderr.
  return type >= 2 ? 'stderr' : 'stdout';
}

/** Lines of a multiplexed (non-TTY) logs response. A truncated last frame keeps the bytes it has. */
export function demultiplexLogs(payload: Buffer): LogLine[] {
  const assembler = new LineAssembler();
  let offset = 0;
  while (offset + HEADER_SIZE <= payload.length) {
    const type = payload.readUInt8(offset);
    const size = payload.readUInt32BE(offset + 4);
    const start = offset + HEADER_SIZE;
    const end = Math.min(start + size, payload.length);
    assembler.push(streamOf(type), payload.subarray(start, end));
    offset = end;
  }
  return assembler.finish();
}

/** Lines of a raw (TTY) logs response: everything is stdout. */
export function splitRawLogs(payload: Buffer): LogLine[] {
  const assembler = new LineAssembler();
  assembler.push('stdout', payload);
  return assembler.finish();
}
