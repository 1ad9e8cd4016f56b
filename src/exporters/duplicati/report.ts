// A Duplicati backup report, as this exporter understands it: only what the metrics need.
export const RESULTS = ["Success", "Warning", "Error", "Fatal", "Unknown"] as const;
export type BackupResult = (typeof RESULTS)[number];

/** Counts of the last run; names follow Duplicati's fields. */
export const FILE_COUNTS = {
  examined: "ExaminedFiles",
  opened: "OpenedFiles",
  added: "AddedFiles",
  modified: "ModifiedFiles",
  deleted: "DeletedFiles",
  error: "FilesWithError",
  too_large: "TooLargeFiles",
  not_processed: "NotProcessedFiles",
} as const;

export const BYTE_SIZES = {
  examined: "SizeOfExaminedFiles",
  opened: "SizeOfOpenedFiles",
  added: "SizeOfAddedFiles",
  modified: "SizeOfModifiedFiles",
} as const;

export const BACKEND_VALUES = {
  uploadedBytes: "BytesUploaded",
  downloadedBytes: "BytesDownloaded",
  knownFileSize: "KnownFileSize",
  knownFileCount: "KnownFileCount",
  backupVersions: "BackupListCount",
  quotaTotal: "TotalQuotaSpace",
  quotaFree: "FreeQuotaSpace",
} as const;

export interface BackupIdentity {
  /** Stable key: "id:<machine-id>/<backup-id>" when both are sent, else "name:<backup-name>". */
  readonly key: string;
  readonly name: string;
  readonly machine: string;
  readonly backupId: string;
}

export interface BackupReport {
  readonly backup: BackupIdentity;
  readonly operation: string;
  readonly result: BackupResult;
  readonly beginTime?: number;
  readonly endTime?: number;
  readonly durationSeconds?: number;
  readonly files: Partial<Record<keyof typeof FILE_COUNTS, number>>;
  readonly bytes: Partial<Record<keyof typeof BYTE_SIZES, number>>;
  readonly backend: Partial<Record<keyof typeof BACKEND_VALUES, number>>;
  readonly warnings?: number;
  readonly errors?: number;
  readonly nextScheduledRun?: number;
  readonly interrupted?: boolean;
  readonly partial?: boolean;
  /** What was present but not understood; the report is still accepted. */
  readonly problems: readonly string[];
}
