/** Whether `tz` is an IANA time zone the runtime knows (e.g. `Europe/Berlin`, `UTC`). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * The time zone people of a project mean when they type a time (`deploy … at 22:00`, the calendar's days):
 * the project's own `timezone`, else its on-call rotation's, else UTC.
 */
export function projectTimeZone(
  catalog: { projects: readonly { name: string; timezone?: string }[]; rotations: readonly { project: string; timezone: string }[] },
  project: string,
): string {
  return catalog.projects.find((p) => p.name === project)?.timezone ?? catalog.rotations.find((r) => r.project === project)?.timezone ?? 'UTC';
}
