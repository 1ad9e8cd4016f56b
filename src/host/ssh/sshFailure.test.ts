// Real messages of OpenSSH 9.2 and sudo 1.9, as the lab's hosts produce them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lostConnection, sshFailure, sudoRefusal } from "./sshFailure.js";

const UNKNOWN_KEY = `No ED25519 host key is known for 10.77.0.11 and you have requested strict checking.
Host key verification failed.
`;
const CHANGED_KEY = `@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @
@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!
Someone could be eavesdropping on you right now (man-in-the-middle attack)!
It is also possible that a host key has just been changed.
The fingerprint for the ED25519 key sent by the remote host is
SHA256:6nZMRGOklv5+FsOkyjKuA5kaJXGGwkIuSYKoxkOH/es.
Please contact your system administrator.
Add correct host key in /tmp/wrong_kh to get rid of this message.
Offending ED25519 key in /tmp/wrong_kh:1
  remove with:
  ssh-keygen -f "/tmp/wrong_kh" -R "10.77.0.11"
Host key for 10.77.0.11 has changed and you have requested strict checking.
Host key verification failed.
`;

function failure(stderr: string): { message: string; hint: string } {
  const error = sshFailure("web1", stderr);
  assert.ok(error, `recognised: ${stderr}`);
  return { message: error.message, hint: error.hint ?? "" };
}

describe("ssh's failures, said for people", () => {
  it("an unknown host key: named, refused, and how to add it after checking", () => {
    const { message, hint } = failure(UNKNOWN_KEY);
    assert.match(
      message,
      /^web1: the host key of 10\.77\.0\.11 is not in known_hosts; refusing to connect, nothing was changed there$/,
    );
    assert.match(hint, /fingerprint/);
    assert.match(hint, /ssh-keyscan -t ed25519 10\.77\.0\.11 >> ~\/\.ssh\/known_hosts/);
  });

  it("a changed host key is not mistaken for an unknown one", () => {
    const { message, hint } = failure(CHANGED_KEY);
    assert.match(message, /^web1: the host key has CHANGED/);
    assert.match(hint, /ssh-keygen -R 10\.77\.0\.11/);
    assert.match(hint, /someone may be in the middle/);
  });

  it("a refused login, an unreachable host, an unknown name", () => {
    assert.match(
      failure("ghost@10.77.0.11: Permission denied (publickey).\n").message,
      /web1: the SSH login was refused \(the server accepts: publickey\)/,
    );
    assert.match(
      failure("ssh: connect to host 10.77.0.11 port 2222: Connection refused\n").message,
      /^web1: cannot reach 10\.77\.0\.11 port 2222: connection refused$/,
    );
    assert.match(
      failure("ssh: connect to host 10.77.0.99 port 22: Connection timed out\n").message,
      /^web1: cannot reach 10\.77\.0\.99 port 22: connection timed out$/,
    );
    assert.match(
      failure("ssh: Could not resolve hostname nohost.invalid: Temporary failure in name resolution\n")
        .message,
      /^web1: cannot resolve the host name nohost\.invalid$/,
    );
  });

  it("a connection lost while working, and what reconnecting said", () => {
    assert.match(
      failure(
        "mux_client_request_session: read from master failed: Broken pipe\nssh: connect to host 10.78.0.12 port 22: Connection timed out\n",
      ).message,
      /^web1: lost the SSH connection and cannot reconnect: 10\.78\.0\.12 port 22: connection timed out$/,
    );
    assert.match(
      failure("kex_exchange_identification: Connection closed by remote host\n").message,
      /^web1: the SSH server hung up before login \(Connection closed by remote host\)$/,
    );
    assert.match(
      failure("mux_client_request_session: read from master failed: Broken pipe\n").message,
      /^web1: lost the SSH connection$/,
    );
    assert.match(
      failure("Timeout, server 10.77.0.12 not responding.\n").message,
      /^web1: lost the SSH connection$/,
    );
    assert.match(lostConnection("web1", "").message, /^web1: lost the SSH connection$/);
    assert.match(lostConnection("web1", "x\ny\n").message, /^web1: lost the SSH connection \(x; y\)$/);
  });

  it("a remote command's own error output is not an ssh failure", () => {
    assert.equal(sshFailure("web1", "grep: /etc/x: No such file or directory\n"), undefined);
    assert.equal(sshFailure("web1", ""), undefined);
  });

  it("sudo without the right to run as root, asked for a password or refused", () => {
    const asked = sudoRefusal("web1", "deploy", "sudo: a password is required\n");
    assert.match(
      asked?.message ?? "",
      /^web1: deploy may not run commands as root through sudo without a password$/,
    );
    assert.match(asked?.hint ?? "", /deploy ALL=\(root\) NOPASSWD: ALL/);
    assert.ok(
      sudoRefusal(
        "web1",
        "deploy",
        "Sorry, user deploy is not allowed to execute '/usr/bin/env LC_ALL=C id' as root on web1.\n",
      ),
    );
    assert.equal(sudoRefusal("web1", "deploy", "id: invalid option\n"), undefined);
  });
});
