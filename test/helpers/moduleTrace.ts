// Preloaded with --import into a process under test: records every module it loads (ESM as each
// import resolves, CommonJS from require's cache at exit) into the file $STACKMON_MODULE_TRACE,
// one URL or path a line. For tests of what a command does not load.
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";

const traceFile = process.env["STACKMON_MODULE_TRACE"];
if (traceFile) {
  // The hooks run on the loader's own thread; they are plain JavaScript, given inline.
  const hooks = `
    import { appendFileSync } from "node:fs";
    export async function resolve(specifier, context, next) {
      const resolved = await next(specifier, context);
      appendFileSync(${JSON.stringify(traceFile)}, resolved.url + "\\n");
      return resolved;
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
  const require = createRequire(import.meta.url);
  process.once("exit", () => appendFileSync(traceFile, `${Object.keys(require.cache).join("\n")}\n`));
}
