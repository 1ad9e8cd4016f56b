// The Duplicati receiver attacked without a token: hundreds of connections at once, each sending
// a report-sized body as fast as it can or a trickle of bytes. The token is checked before any
// body is read and connections are capped, so the exporter's memory stays within a stated bound
// (measured from /proc as the peak resident set of the exporter process during the attack), and
// it still takes a genuine report afterwards.
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startExporterProcess, type RunningExporter } from "../helpers/duplicatiExporter.js";
import { parseExposition, sampleValue } from "../helpers/exposition.js";
import { freePort } from "../helpers/ports.js";
import { REPO_ROOT, tempDir } from "../helpers/stackmon.js";

const TOKEN = "flood-test-token-0123456789";
const BODY_BYTES = 1_000_000;
const FAST_SENDERS = 300;
const SLOW_SENDERS = 100;
/**
 * The documented bound (docs/exporters/duplicati.md): an attack without the token raises the
 * exporter's peak resident memory by at most this much over its resident memory before.
 */
const BOUND_MIB = 16;
/** Attackers come from 20 loopback addresses, so both the per-address and the total cap bite. */
const SOURCES = Array.from({ length: 20 }, (_, i) => `127.0.0.${i + 2}`);

function kib(pid: number, field: "VmRSS" | "VmHWM"): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
}

/** What the attacker saw: the status of the server's answer, or "closed" when there was none. */
type Outcome = string;

/** Sends a report-sized body under a wrong token, as fast as the server reads it. */
function fastSender(port: number, source: string): Promise<Outcome> {
  return attack(port, source, (socket, done) => {
    const chunk = Buffer.alloc(64 * 1024, "x");
    let sent = 0;
    const pump = () => {
      while (sent < BODY_BYTES && !socket.destroyed) {
        sent += chunk.length;
        if (!socket.write(chunk)) return void socket.once("drain", pump);
      }
      done();
    };
    pump();
  });
}

/**
 * Sends the same body a few bytes at a time and never stops by itself: the attack ends only
 * because the server closes every such connection.
 */
function slowSender(port: number, source: string): Promise<Outcome> {
  return attack(port, source, (socket) => {
    const timer = setInterval(() => {
      if (socket.destroyed) return clearInterval(timer);
      socket.write("x".repeat(16));
    }, 250);
    socket.once("close", () => clearInterval(timer));
  });
}

function attack(
  port: number,
  source: string,
  send: (socket: ReturnType<typeof connect>, done: () => void) => void,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1", localAddress: source });
    let answer = "";
    socket.on("data", (c: Buffer) => (answer += c.toString("latin1", 0, 64)));
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? "closed"));
    socket.on("connect", () => {
      socket.write(
        `POST /report?token=wrong-${Math.random()} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${BODY_BYTES}\r\n\r\n`,
      );
      send(socket, () => undefined);
    });
  });
}

describe("the Duplicati receiver flooded without a token", () => {
  const dir = tempDir("stackmon-duplicati-flood-");
  let exporter: RunningExporter;
  let pid: number;

  before(async () => {
    writeFileSync(join(dir, "token"), `${TOKEN}\n`, { mode: 0o600 });
    exporter = await startExporterProcess(await freePort(), [
      `--token-file=${join(dir, "token")}`,
      `--state-dir=${join(dir, "state")}`,
    ]);
    pid = exporter.child.pid ?? 0;
  });
  after(async () => {
    await exporter?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`stays within ${BOUND_MIB} MiB of its resting memory, turns every attacker away, and then takes a report`, async () => {
    const report = readFileSync(join(REPO_ROOT, "test/fixtures/duplicati/json-2.1-success.json"));
    const post = (token: string) =>
      fetch(`${exporter.url}/report?token=${token}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: report,
      });
    // Warm up every path the attack and the check afterwards take, then let the heap settle.
    assert.equal((await post(TOKEN)).status, 200);
    assert.equal((await post("wrong")).status, 401);
    await fetch(`${exporter.url}/metrics`).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 500));
    const restingKib = kib(pid, "VmRSS");
    // Resets the peak (VmHWM) to the current resident set (proc(5), /proc/pid/clear_refs).
    writeFileSync(`/proc/${pid}/clear_refs`, "5");

    const outcomes = await Promise.all([
      ...Array.from({ length: FAST_SENDERS }, (_, i) => fastSender(port(exporter), SOURCES[i % 20] ?? "")),
      ...Array.from({ length: SLOW_SENDERS }, (_, i) => slowSender(port(exporter), SOURCES[i % 20] ?? "")),
    ]);
    const peakKib = kib(pid, "VmHWM");
    const growthMib = (peakKib - restingKib) / 1024;
    console.log(
      `resting ${(restingKib / 1024).toFixed(1)} MiB, peak under attack ${(peakKib / 1024).toFixed(1)} MiB ` +
        `(+${growthMib.toFixed(1)} MiB; bound ${BOUND_MIB} MiB)`,
    );
    assert.ok(growthMib <= BOUND_MIB, `memory grew by ${growthMib.toFixed(1)} MiB`);

    const counts = new Map<Outcome, number>();
    for (const outcome of outcomes) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
    console.log(`attackers' outcomes: ${JSON.stringify(Object.fromEntries(counts))}`);
    assert.deepEqual(
      [...counts.keys()].filter((o) => o !== "401" && o !== "closed"),
      [],
      "every attacker got 401 or a closed connection",
    );

    assert.equal((await post(TOKEN)).status, 200, "a genuine report is still taken");
    const samples = parseExposition(await (await fetch(`${exporter.url}/metrics`)).text());
    assert.equal(sampleValue(samples, "duplicati_exporter_reports_total", { outcome: "accepted" }), 2);
    assert.equal(
      sampleValue(samples, "duplicati_backup_last_result", { backup: "nightly-home", result: "Success" }),
      1,
    );
  });
});

function port(exporter: RunningExporter): number {
  return Number(new URL(exporter.url).port);
}
