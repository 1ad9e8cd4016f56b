// ASCII-armored OpenPGP keys (RFC 4880 section 6) to binary: apt's signed-by reads a binary
// keyring unless the file is named .asc. Done here rather than with `gpg --dearmor`, which
// not every host has and whose binary output does not survive a text command channel.
import { UserError } from "../../config/configError.js";

/** Whether the bytes are an armored block ("-----BEGIN PGP ..."). */
export function isArmored(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 64)).toString("latin1").includes("-----BEGIN PGP");
}

/** CRC-24 of RFC 4880 section 6.1, which the armor's "=XXXX" line carries. */
function crc24(data: Uint8Array): number {
  let crc = 0xb704ce;
  for (const byte of data) {
    crc ^= byte << 16;
    for (let i = 0; i < 8; i++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

/** The binary packets of the first armored block; throws when it is damaged. */
export function dearmor(text: string, source: string): Buffer {
  const lines = text.replace(/\r/g, "").split("\n");
  const begin = lines.findIndex((l) => /^-----BEGIN PGP [A-Z ]+-----$/.test(l.trim()));
  const end = lines.findIndex((l, i) => i > begin && /^-----END PGP [A-Z ]+-----$/.test(l.trim()));
  if (begin < 0 || end < 0) throw new UserError(`${source}: not an ASCII-armored OpenPGP key`);
  // Armor headers ("Version: ...") end at the first blank line; a block without headers has none.
  const block = lines.slice(begin + 1, end).map((l) => l.trim());
  const blank = block.indexOf("");
  const body =
    blank >= 0 && block.slice(0, blank).every((l) => /^[A-Za-z-]+: /.test(l))
      ? block.slice(blank + 1)
      : block;
  const checksumLine = body.find((l) => /^=[A-Za-z0-9+/]{4}$/.test(l));
  const base64 = body.filter((l) => l !== "" && l !== checksumLine).join("");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) throw new UserError(`${source}: the armored key is not base64`);
  const packets = Buffer.from(base64, "base64");
  if (checksumLine) {
    const expected = Buffer.from(checksumLine.slice(1), "base64").readUIntBE(0, 3);
    if (crc24(packets) !== expected)
      throw new UserError(`${source}: the armored key's checksum does not match`);
  }
  return packets;
}
