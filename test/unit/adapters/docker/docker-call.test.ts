import { describe, expect, it } from 'vitest';
import { engineCall } from '../../../../src/adapters/docker/docker-call.js';
import { HostUnreachableError } from '../../../../src/core/ports/runtime.port.js';

const socketError = (code: string): Error => Object.assign(new Error(`write ${code}`), { code });

describe('engineCall', () => {
  it('sends a request again when the engine closed the connection before it was written (EPIPE)', async () => {
    let calls = 0;
    const result = await engineCall({ host: 'local', timeoutMs: 5_000 }, async () => {
      calls += 1;
      if (calls === 1) throw socketError('EPIPE');
      return 'listed';
    });
    expect(result).toBe('listed');
    expect(calls).toBe(2);
  });

  it('gives up after three unwritable attempts and says the host closed the connection', async () => {
    let calls = 0;
    const call = engineCall({ host: 'local', timeoutMs: 5_000 }, async () => {
      calls += 1;
      throw socketError('EPIPE');
    });
    await expect(call).rejects.toThrow(HostUnreachableError);
    await expect(call).rejects.toThrow(/connection closed \(EPIPE\)/);
    expect(calls).toBe(3);
  });

  it('does not repeat a request after a connection reset: the engine may have acted on it', async () => {
    let calls = 0;
    const call = engineCall({ host: 'local', timeoutMs: 5_000 }, async () => {
      calls += 1;
      throw socketError('ECONNRESET');
    });
    await expect(call).rejects.toThrow(/connection reset \(ECONNRESET\)/);
    expect(calls).toBe(1);
  });

  it('does not retry past the deadline', async () => {
    let calls = 0;
    const call = engineCall({ host: 'local', timeoutMs: 50 }, async () => {
      calls += 1;
      await new Promise((r) => setTimeout(r, 60));
      throw socketError('EPIPE');
    });
    await expect(call).rejects.toThrow(/no answer within 50 ms/);
    expect(calls).toBe(1);
  });
});
