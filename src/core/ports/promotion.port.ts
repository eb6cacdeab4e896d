/**
 * What a promotion between environments needs beyond a deploy: whether an image is in its registry (a
 * manifest HEAD, never a pull), and a per-installation key for comparing configuration values by keyed
 * hash, so a value is never shown, logged or stored.
 */

/** Whether the registry holds an image: present, missing (it said so), or unknown (it could not tell). */
export type ImagePresence =
  | { status: 'present'; digest?: string }
  | { status: 'missing'; reason: string }
  | { status: 'unknown'; reason: string };

export interface ImageRegistry {
  /** Asks the image's registry for its manifest (HEAD); never throws, `reason` is a chat-safe sentence part. */
  exists(image: string): Promise<ImagePresence>;
}

/**
 * A secret generated once per installation and shared by every replica (kept in the database). `purpose`
 * names what it is for, so one purpose's key never serves another.
 */
export interface InstallationKeys {
  key(purpose: string): Promise<Uint8Array>;
}
