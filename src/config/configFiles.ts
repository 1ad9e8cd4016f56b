// Reading the files stackmon.yml names (dashboard JSON) while the config loads: through this
// port, so that no schema reads the disk and tests hand files over from memory.
import { readdirSync, readFileSync, statSync } from "node:fs";

export type FileRead = { readonly text: string } | { readonly problem: string };

export type PathListing =
  | { readonly kind: "file" }
  | { readonly kind: "directory"; readonly entries: readonly string[] }
  | { readonly problem: string };

export interface ConfigFiles {
  /** A file's text, or why it cannot be read ("no such file", "EACCES"). */
  read(path: string): FileRead;
  /** Whether the path is a file, or a folder and the names in it (sorted). */
  list(path: string): PathListing;
}

function problemOf(error: unknown, missing: string): string {
  const code = (error as NodeJS.ErrnoException).code ?? String(error);
  return code === "ENOENT" ? missing : code;
}

/** The files as this machine has them. */
export const diskConfigFiles: ConfigFiles = {
  read(path) {
    try {
      return { text: readFileSync(path, "utf8") };
    } catch (error) {
      return { problem: problemOf(error, "no such file") };
    }
  },
  list(path) {
    try {
      if (!statSync(path).isDirectory()) return { kind: "file" };
      return { kind: "directory", entries: readdirSync(path).sort() };
    } catch (error) {
      return { problem: problemOf(error, "no such file or folder") };
    }
  },
};

/** Files from memory, for tests: path → text; a folder is any prefix of a path. */
export function memoryConfigFiles(files: Readonly<Record<string, string>>): ConfigFiles {
  return {
    read: (path) => (path in files ? { text: files[path] ?? "" } : { problem: "no such file" }),
    list(path) {
      if (path in files) return { kind: "file" };
      const prefix = path.endsWith("/") ? path : `${path}/`;
      const inside = Object.keys(files).filter((p) => p.startsWith(prefix));
      if (inside.length === 0) return { problem: "no such file or folder" };
      const names = new Set(inside.map((p) => p.slice(prefix.length).split("/")[0] ?? ""));
      return { kind: "directory", entries: [...names].sort() };
    },
  };
}
