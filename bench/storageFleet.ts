// bench/storage's fleet: the real node exporter's exposition, measured twice one interval apart,
// replayed for N hosts by one HTTP server. Each series moves as it moved on this machine: a
// counter by its measured increase (give or take a fifth), a gauge around its value by as much,
// a constant stays constant, every value with the decimals the exporter gave it. Deterministic,
// so two Prometheus servers scraping one host in one interval read the same values, and the
// backfill for the disk measurement holds the same series as the live run.
import { createWriteStream } from "node:fs";
import { createServer, type Server } from "node:http";
import { once } from "node:events";

/** One sample line of an exposition, with how it moves between scrapes. */
interface SeriesTemplate {
  /** `name{labels}`, as the exporter wrote it. */
  readonly key: string;
  readonly first: number;
  /** Its change over one scrape interval, measured. */
  readonly step: number;
  readonly counter: boolean;
  readonly decimals: number;
}

export interface FleetTemplate {
  /** Comment lines (HELP, TYPE) and sample lines, in the exporter's order; samples by index. */
  readonly lines: readonly (string | number)[];
  readonly series: readonly SeriesTemplate[];
}

/** `key value` of a sample line: the value is the last field (the node exporter writes no timestamps). */
function splitSample(line: string): { key: string; value: string } | undefined {
  const space = line.lastIndexOf(" ");
  if (space <= 0) return undefined;
  return { key: line.slice(0, space), value: line.slice(space + 1) };
}

function decimalsOf(text: string): number {
  if (/e/i.test(text)) return 6;
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : Math.min(text.length - dot - 1, 9);
}

/** The template from two expositions of one exporter taken one scrape interval apart. */
export function fleetTemplate(before: string, after: string): FleetTemplate {
  const later = new Map<string, string>();
  for (const line of after.split("\n")) {
    const sample = line.startsWith("#") ? undefined : splitSample(line);
    if (sample) later.set(sample.key, sample.value);
  }
  const counters = new Set<string>();
  const lines: (string | number)[] = [];
  const series: SeriesTemplate[] = [];
  for (const line of before.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("#")) {
      const type = /^# TYPE (\S+) counter$/.exec(line);
      if (type?.[1]) counters.add(type[1]);
      lines.push(line);
      continue;
    }
    const sample = splitSample(line);
    const first = Number(sample?.value);
    if (!sample || !Number.isFinite(first)) continue;
    const next = Number(later.get(sample.key) ?? sample.value);
    const name = /^[^{]+/.exec(sample.key)?.[0] ?? "";
    lines.push(series.length);
    series.push({
      key: sample.key,
      first,
      step: Number.isFinite(next) ? next - first : 0,
      counter: counters.has(name),
      decimals: Math.max(decimalsOf(sample.value), decimalsOf(later.get(sample.key) ?? "")),
    });
  }
  return { lines, series };
}

/** A number in [0, 1) from three integers, the same every time (a 32-bit integer hash). */
function noise(a: number, b: number, c: number): number {
  let x = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77) ^ Math.imul(c, 0xc2b2ae3d)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  return ((x ^ (x >>> 16)) >>> 0) / 2 ** 32;
}

/** Series `index` of `host` at scrape `round`: counters only grow, gauges wander around their value. */
export function valueAt(series: SeriesTemplate, host: number, index: number, round: number): string {
  if (series.step === 0) return series.first.toFixed(series.decimals);
  const size = Math.abs(series.step);
  const value = series.counter
    ? series.first + size * round + 0.2 * size * noise(host, index, round)
    : series.first + size * (noise(host, index, round) - 0.5) * 2;
  return value.toFixed(series.decimals);
}

/** One host's exposition at one scrape round. */
export function exposition(template: FleetTemplate, host: number, round: number): string {
  let text = "";
  for (const line of template.lines) {
    if (typeof line === "string") text += `${line}\n`;
    else {
      const series = template.series[line];
      if (series) text += `${series.key} ${valueAt(series, host, line, round)}\n`;
    }
  }
  return text;
}

/**
 * N hosts behind one port: `/metrics?host=I`. The round is the wall clock's interval, so every
 * scraper sees one set of values per host per interval.
 */
export async function serveFleet(
  template: FleetTemplate,
  intervalSeconds: number,
): Promise<{ port: number; close: () => void }> {
  const server: Server = createServer((request, response) => {
    const host = Number(new URL(request.url ?? "/", "http://fleet").searchParams.get("host"));
    if (!Number.isInteger(host) || host < 0) {
      response.writeHead(400).end("host=<number> is required\n");
      return;
    }
    const round = Math.floor(Date.now() / 1000 / intervalSeconds);
    response.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" });
    response.end(exposition(template, host, round));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    close: () => server.close(),
  };
}

/**
 * `hosts` hosts for `hours` at one sample per interval, up to `endSeconds`, with timestamps:
 * OpenMetrics (seconds, `# EOF`) for `promtool tsdb create-blocks-from openmetrics`, Prometheus
 * text (milliseconds) for VictoriaMetrics' /api/v1/import/prometheus. Returns the samples written.
 */
export async function writeBackfill(
  template: FleetTemplate,
  path: string,
  options: {
    hosts: number;
    hours: number;
    intervalSeconds: number;
    endSeconds: number;
    format: "openmetrics" | "prometheus";
  },
): Promise<number> {
  const stamp = options.format === "openmetrics" ? (s: number) => String(s) : (s: number) => `${s}000`;
  const rounds = Math.floor((options.hours * 3600) / options.intervalSeconds);
  const out = createWriteStream(path);
  let samples = 0;
  // Grouped by series (as OpenMetrics wants a metric's samples together), oldest first.
  for (let index = 0; index < template.series.length; index++) {
    const series = template.series[index];
    if (!series) continue;
    const [name = "", labels = ""] = /^([^{]+)(?:\{(.*)\})?$/.exec(series.key)?.slice(1) ?? [];
    for (let host = 0; host < options.hosts; host++) {
      const key = `${name}{${labels ? `${labels},` : ""}instance="host-${host}",job="node"}`;
      let chunk = "";
      for (let round = 0; round < rounds; round++) {
        const seconds = options.endSeconds - (rounds - round) * options.intervalSeconds;
        chunk += `${key} ${valueAt(series, host, index, Math.floor(seconds / options.intervalSeconds))} ${stamp(seconds)}\n`;
      }
      samples += rounds;
      if (!out.write(chunk)) await once(out, "drain");
    }
  }
  out.end(options.format === "openmetrics" ? "# EOF\n" : "");
  await once(out, "finish");
  return samples;
}
