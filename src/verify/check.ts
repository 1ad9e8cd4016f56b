// One line of verify's verdict: what was checked, how it went, and why.
/** "pending": not decided yet (a target before its first scrape); waiting may settle it. */
export type CheckStatus = "ok" | "fail" | "skip" | "pending";

export interface Check {
  /** What is checked, e.g. "unit prometheus.service", "target node 127.0.0.1:9100". */
  readonly check: string;
  readonly status: CheckStatus;
  readonly detail: string;
}
