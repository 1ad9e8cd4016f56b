// Is a backup overdue? From its schedule when Duplicati reported one, else from the maximum age
// set in stackmon.yml. Pure.
import type { BackupState } from "./state.js";

/** A run that started on time still needs to finish: allow twice the last duration, at least 15 minutes. */
export function scheduleGraceSeconds(state: BackupState): number {
  return Math.max(2 * (state.last?.durationSeconds ?? 0), 15 * 60);
}

export function isStale(
  state: BackupState,
  now: number,
  maxAgeSeconds: number | undefined,
): boolean | undefined {
  const lastFinished = state.last?.endTime;
  if (state.nextScheduledRun !== undefined) {
    const due = state.nextScheduledRun + scheduleGraceSeconds(state);
    // Past the next scheduled run, and no run finished since it was due.
    return now > due && (lastFinished === undefined || lastFinished < state.nextScheduledRun);
  }
  if (maxAgeSeconds !== undefined) {
    const lastSuccess = state.lastSuccessTime;
    return lastSuccess === undefined || now - lastSuccess > maxAgeSeconds;
  }
  return undefined;
}
