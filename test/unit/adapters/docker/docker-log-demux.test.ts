import { describe, expect, it } from 'vitest';
import { demultiplexLogs, splitRawLogs } from '../../../../src/adapters/docker/docker-log.demux.js';

// Frame builder for the Docker multiplexed log format: [type, 0, 0, 0, size (uint32 BE)] + payload.
function frame(type: 1 | 2, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

describe('demultiplexLogs', () => {
  it('joins a line written in pieces (bytes captured from Podman 4.3 for printf par; sleep; printf tial\\r\\n …)', () => {
    const captured = Buffer.from(
      '01000000000000037061720100000000000006746961' +
        '6c0d0a01000000000000056e6578740a010000000000' +
        '00087461696c2d656e64',
      'hex',
    );

    expect(demultiplexLogs(captured)).toEqual([
      { stream: 'stdout', text: 'partial' },
      { stream: 'stdout', text: 'next' },
      { stream: 'stdout', text: 'tail-end' },
    ]);
  });

  it('keeps a UTF-8 character split across two frames intact and lines per stream apart', () => {
    const check = Buffer.from('✓ ok\n');
    const payload = Buffer.concat([
      frame(1, check.subarray(0, 1)),
      frame(2, 'err one\nerr two\n'),
      frame(1, check.subarray(1)),
    ]);

    expect(demultiplexLogs(payload)).toEqual([
      { stream: 'stderr', text: 'err one' },
      { stream: 'stderr', text: 'err two' },
      { stream: 'stdout', text: '✓ ok' },
    ]);
  });

  it('keeps empty lines and the bytes of a truncated last frame', () => {
    const truncated = frame(1, 'cut short\n').subarray(0, 8 + 3);
    const payload = Buffer.concat([frame(1, 'a\n\nb\n'), truncated]);

    expect(demultiplexLogs(payload).map((l) => l.text)).toEqual(['a', '', 'b', 'cut']);
  });

  it('returns nothing for an empty body', () => {
    expect(demultiplexLogs(Buffer.alloc(0))).toEqual([]);
  });
});

describe('splitRawLogs', () => {
  it('splits TTY output on CRLF into stdout lines', () => {
    expect(splitRawLogs(Buffer.from('one\r\ntwo\r\nthree'))).toEqual([
      { stream: 'stdout', text: 'one' },
      { stream: 'stdout', text: 'two' },
      { stream: 'stdout', text: 'three' },
    ]);
  });
});
