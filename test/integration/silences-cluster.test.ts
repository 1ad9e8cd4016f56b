// Silences in a pair of servers: two real Alertmanagers (Debian's 0.25) run by `stackmon up`,
// clustered as a fleet's two servers are (alertmanager.cluster, gossip over mutual TLS with
// certificates of one CA), on 127.0.0.1. A silence made through one member holds on the other,
// whose Prometheus sends it the same alerts; its end, through the other member, reaches back.
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { eventually, sleep } from "../helpers/eventually.js";
import { startMattermost, type TestMattermost } from "../helpers/mattermost.js";
import { freePorts } from "../helpers/ports.js";
import { runCliAsync, startUp, tempDir, type UpProcess } from "../helpers/stackmon.js";
import { makeCertificate, makeSignedCertificate } from "../helpers/tls.js";

const MEMBERS = ["mon1", "mon2"] as const;
/** Several group intervals (2 s): long enough for either member to have sent what it would send. */
const QUIET_MS = 8_000;

interface Member {
  readonly name: string;
  readonly url: string;
  readonly dir: string;
  up?: UpProcess;
}

interface ListedSilence {
  readonly id: string;
  readonly status: { readonly state: string };
  readonly createdBy: string;
  readonly silencing: number;
}

describe("silences in a pair of clustered Alertmanagers", () => {
  let mattermost: TestMattermost;
  let dir: string;
  const members: Member[] = [];

  /** `stackmon silence …` against one member's stack, as its user would run it. */
  const silence = (member: Member, args: readonly string[], env: NodeJS.ProcessEnv = process.env) =>
    runCliAsync(
      ["silence", ...args, "-c", join(member.dir, "stackmon.yml"), "--dir", join(member.dir, "work")],
      {
        env,
      },
    );

  async function listed(member: Member): Promise<ListedSilence[]> {
    const result = await silence(member, ["list", "--all", "--json"]);
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout) as ListedSilence[];
  }

  /** Posts an alert to both members, as each server's Prometheus does. */
  async function fireOnBoth(alertname: string): Promise<void> {
    const alert = {
      labels: { alertname, instance: "web1", severity: "critical" },
      annotations: { summary: `${alertname} at web1`, description: "posted by the test" },
      startsAt: new Date().toISOString(),
      endsAt: new Date(Date.now() + 10 * 60_000).toISOString(),
    };
    for (const member of members) {
      const response = await fetch(`${member.url}/api/v2/alerts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify([alert]),
      });
      assert.equal(response.status, 200, await response.text());
    }
  }

  const requested = (text: string) => mattermost.attempts.some((a) => a.title.includes(text));

  before(async () => {
    mattermost = await startMattermost({ channels: ["ops"] });
    dir = tempDir("stackmon-silence-pair-");
    const urlFile = join(dir, "mattermost.url");
    writeFileSync(urlFile, `${mattermost.hookUrl()}\n`, { mode: 0o640 });
    const ca = makeCertificate(dir, "pair-ca");
    const [web1, web2, gossip1, gossip2] = await freePorts(4);
    const gossip = [gossip1, gossip2];
    const web = [web1, web2];
    for (const [index, name] of MEMBERS.entries()) {
      const cert = makeSignedCertificate(dir, ca, name, "serverAuth,clientAuth");
      const memberDir = join(dir, name);
      members.push({ name, url: `http://127.0.0.1:${web[index]}`, dir: memberDir });
      const peer = gossip[1 - index];
      const config = `
global: {hostname: ${name}}
prometheus: {enabled: false}
grafana: {enabled: false}
exporters: {node: {enabled: false}, blackbox: {enabled: false}}
alertmanager:
  listen_address: "127.0.0.1:${web[index]}"
  cluster:
    listen_address: "127.0.0.1:${gossip[index]}"
    peers: ["127.0.0.1:${peer}"]
    tls: {cert_file: ${cert.certFile}, key_file: ${cert.keyFile}, ca_file: ${ca.certFile}}
alerting:
  group_wait: 1s
  group_interval: 2s
  mattermost: {webhook_url_file: ${urlFile}, critical: {channel: ops}, warning: {channel: ops}}
`;
      mkdirSync(memberDir);
      const member = members[index];
      if (member) member.up = await startUp(config, { dir: memberDir });
    }
    // Both see the cluster whole before the test relies on gossip.
    for (const member of members) {
      await eventually(`${member.name} sees both members`, async () => {
        const status = (await (await fetch(`${member.url}/api/v2/status`)).json()) as {
          cluster: { peers?: unknown[] };
        };
        return status.cluster.peers?.length === 2 ? true : undefined;
      });
    }
  });

  after(async () => {
    for (const member of members) await member.up?.stop();
    await mattermost?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("holds on both members a silence made through one, and its end through the other reaches back", async () => {
    const [mon1, mon2] = members;
    assert.ok(mon1 && mon2);
    const added = await silence(mon1, [
      "add",
      "--matcher",
      "alertname=PairProbe",
      "--for",
      "10m",
      "--comment",
      "moving web1",
    ]);
    assert.equal(added.status, 0, added.stderr);
    const id = /: ([0-9a-f-]{36})$/m.exec(added.stdout)?.[1] ?? "";
    assert.notEqual(id, "");
    await eventually("mon2 has the silence", async () =>
      (await listed(mon2)).find((s) => s.id === id && s.status.state === "active"),
    );

    await fireOnBoth("PairProbe");
    await sleep(QUIET_MS);
    assert.equal(requested("PairProbe"), false, "neither member delivered the silenced alert");
    const onMon2 = (await listed(mon2)).find((s) => s.id === id);
    assert.equal(onMon2?.silencing, 1, "mon2 holds back the alert its own Prometheus sent");

    const expired = await silence(mon2, ["expire", id, "--json"]);
    assert.equal(expired.status, 0, expired.stderr);
    assert.deepEqual(JSON.parse(expired.stdout), [{ id, expired: true }]);
    await eventually("mon1 has the silence expired", async () =>
      (await listed(mon1)).find((s) => s.id === id && s.status.state === "expired"),
    );
    const post = await mattermost.waitForPost((p) => p.visible.includes("PairProbe at web1"), 60_000);
    assert.equal(post.channel, "ops");
  });

  it("gives the silence, as JSON, to the user who ran sudo, else to the local user", async () => {
    const [mon1] = members;
    assert.ok(mon1);
    const add = async (env: NodeJS.ProcessEnv) => {
      const result = await silence(
        mon1,
        ["add", "--alert", "TargetDown", "--for", "5m", "--comment", "who am I", "--json"],
        env,
      );
      assert.equal(result.status, 0, result.stderr);
      return JSON.parse(result.stdout) as {
        id: string;
        createdBy: string;
        comment: string;
        firing: unknown[];
      };
    };
    const { SUDO_USER: _sudo, ...withoutSudo } = process.env;
    const byUser = await add(withoutSudo);
    assert.equal(byUser.createdBy, userInfo().username);
    assert.deepEqual(byUser.firing, [], "it says it matches nothing firing now");
    const bySudo = await add({ ...withoutSudo, SUDO_USER: "carol" });
    assert.equal(bySudo.createdBy, "carol");
    const stored = await listed(mon1);
    assert.equal(stored.find((s) => s.id === bySudo.id)?.createdBy, "carol");
    assert.equal(stored.find((s) => s.id === byUser.id)?.createdBy, userInfo().username);
  });
});
