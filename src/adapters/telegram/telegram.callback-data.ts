import { z } from 'zod';

/** Telegram limits callback_data to 1–64 bytes. */
export const CALLBACK_DATA_MAX_BYTES = 64;

const callbackDataSchema = z
  .string()
  .min(3)
  .max(CALLBACK_DATA_MAX_BYTES)
  .regex(/^([A-Za-z0-9._-]+):([A-Za-z0-9_-]+)$/);

export interface ButtonAction {
  actionId: string;
  pendingId: string;
}

/** Encodes `${actionId}:${pendingId}`; a value over 64 bytes is a programming error, so it throws. */
export function encodeCallbackData(action: ButtonAction): string {
  const data = `${action.actionId}:${action.pendingId}`;
  const bytes = Buffer.byteLength(data, 'utf8');
  if (bytes > CALLBACK_DATA_MAX_BYTES) {
    throw new Error(`callback_data is ${bytes} bytes (max ${CALLBACK_DATA_MAX_BYTES}): ${data}`);
  }
  if (!callbackDataSchema.safeParse(data).success) {
    throw new Error(`callback_data has an invalid action or pending id: ${data}`);
  }
  return data;
}

/** Parses callback_data from a click; undefined when it is not one of ours. */
export function decodeCallbackData(data: unknown): ButtonAction | undefined {
  const parsed = callbackDataSchema.safeParse(data);
  if (!parsed.success) return undefined;
  const sep = parsed.data.indexOf(':');
  return { actionId: parsed.data.slice(0, sep), pendingId: parsed.data.slice(sep + 1) };
}
