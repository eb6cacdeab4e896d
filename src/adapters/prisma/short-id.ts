/** Short random ids for rows that chat buttons and commands refer to (Telegram callback_data is ≤ 64 bytes). */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** 12 base62 characters ≈ 71 bits of randomness. */
export const SHORT_ID_LENGTH = 12;

/** What a short id may look like when it comes back from a chat (a click, a command argument). */
export const shortIdSchema = z.string().regex(/^[0-9A-Za-z]{1,16}$/, 'id must be 1–16 letters or digits');

/** Uniform base62 from the CSPRNG: bytes ≥ 248 are dropped so every character is equally likely. */
export function newShortId(length: number = SHORT_ID_LENGTH): string {
  let id = '';
  while (id.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && id.length < length) id += ALPHABET[byte % 62];
    }
  }
  return id;
}
