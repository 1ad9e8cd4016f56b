// Which silence `stackmon silence expire ID` means: the one with that id, or the only one whose
// id begins with it (people copy the first characters from a table).
import { UserError } from "../config/configError.js";
import { isSilenceId, type Silence } from "./silenceApi.js";

/** The silence with this id, or the only one (not yet expired, if any is) it begins. */
export function findSilence(silences: readonly Silence[], text: string): Silence {
  const exact = silences.find((s) => s.id === text);
  if (exact) return exact;
  if (!/^[0-9a-fA-F-]{4,36}$/.test(text) || isSilenceId(text)) {
    throw new UserError(`no silence ${text}`, { hint: "stackmon silence list --all shows every id" });
  }
  const matching = silences.filter((s) => s.id.startsWith(text.toLowerCase()));
  const live = matching.filter((s) => s.status.state !== "expired");
  const candidates = live.length > 0 ? live : matching;
  const [only, ...others] = candidates;
  if (!only)
    throw new UserError(`no silence ${text}`, { hint: "stackmon silence list --all shows every id" });
  if (others.length > 0) {
    throw new UserError(`${text} begins ${candidates.length} silences: give more of the id`);
  }
  return only;
}
