// Bundles the command line into dist/cli after tsc has built dist/: main.js, one chunk per
// command (imported as it runs) and shared chunks, with zod and yaml inside. Node.js 20 has no
// compile cache, and resolving and reading the ~150 modules `validate` needs cost more than the
// validation itself; bundled, `stackmon --help` and `validate` answer within 3× of a bare
// `node -e 0` (bench/cli.ts). Run by `npm run build`.
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

const outdir = join(REPO_ROOT, "dist", "cli");
// tsc's one-file-per-module output of src/cli is replaced by the bundle.
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(REPO_ROOT, "src", "cli", "main.ts")],
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
  // Loaded only by what needs them (PM2 and prom-client by the exporters, bcryptjs by apply's
  // web configs), or at run time from the sources (tsx): left to Node.js. The Grafana SDK is
  // bundled into the dashboards' chunk, loaded only by commands that render.
  external: ["pm2", "prom-client", "bcryptjs", "tsx"],
  // yaml is CommonJS: its require() of Node's own modules needs a real require.
  banner: {
    js: "import { createRequire as stackmonCreateRequire } from 'node:module';\nconst require = stackmonCreateRequire(import.meta.url);",
  },
});
