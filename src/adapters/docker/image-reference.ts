import { z } from 'zod';

/**
 * An image reference a deploy may use: `[registry[:port]/]path[:tag][@digest]` with an explicit tag or
 * digest (without one the engine would pull every tag, or an unpinned `latest`). Refuses anything that
 * could alter a request path or query.
 */
const REFERENCE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]{1,5})?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export const imageReferenceSchema = z
  .string()
  .max(255)
  .regex(REFERENCE, 'image must be a reference like registry:5000/team/app:1.2.3')
  .refine((ref) => hasTagOrDigest(ref), 'image must name a tag or a digest');

function hasTagOrDigest(ref: string): boolean {
  if (ref.includes('@')) return true;
  const lastPart = ref.slice(ref.lastIndexOf('/') + 1);
  return lastPart.includes(':');
}

/** `fromImage` and `tag` query values of a pull: the digest form keeps the digest in fromImage. */
export function pullParameters(ref: string): { fromImage: string; tag?: string } {
  if (ref.includes('@')) return { fromImage: ref };
  const colon = ref.lastIndexOf(':');
  return { fromImage: ref.slice(0, colon), tag: ref.slice(colon + 1) };
}
