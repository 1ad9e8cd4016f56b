// What Grafana makes of a string in a provisioning file: grafana/grafana
// pkg/services/provisioning/values (interpolateValue) splits it on "$$", expands environment
// variables in each part with Go's os.ExpandEnv, and joins the parts with "$". Alert rules'
// annotations and labels, contact point settings and templates are all read this way.

/** os.ExpandEnv: $NAME, ${NAME}, and the one-character shell names ($1, $*, ...). */
function expandEnv(text: string, env: Readonly<Record<string, string | undefined>>): string {
  return text.replace(/\$(?:\{([^}]*)\}|([A-Za-z0-9_]+)|([*#$@!?\-0-9]))/g, (_, braced, name, special) => {
    const key = (braced as string | undefined) ?? (name as string | undefined) ?? (special as string);
    return env[key] ?? "";
  });
}

export function interpolatedByGrafana(
  text: string,
  env: Readonly<Record<string, string | undefined>> = {},
): string {
  return text
    .split("$$")
    .map((part) => expandEnv(part, env))
    .join("$");
}

/** Every string of a parsed provisioning document as Grafana reads it. */
export function asGrafanaReadsIt<T>(document: T, env: Readonly<Record<string, string | undefined>> = {}): T {
  const read = (value: unknown): unknown => {
    if (typeof value === "string") return interpolatedByGrafana(value, env);
    if (Array.isArray(value)) return value.map(read);
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, read(item)]));
    }
    return value;
  };
  return read(document) as T;
}
