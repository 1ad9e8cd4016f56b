// Reading one member out of a .tar.gz in memory: release tarballs hold a handful of files, and
// reading them here keeps apply independent of the host's tar.
import { gunzipSync } from "node:zlib";

function field(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? raw.length : end).toString("utf8");
}

function octal(block: Buffer, offset: number, length: number): number {
  const text = field(block, offset, length).trim();
  return text === "" ? 0 : parseInt(text, 8);
}

/** Path → content of every regular file in a tar archive (ustar, GNU long names, pax paths). */
export function readTar(archive: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= archive.length) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] ?? 0);
    const prefix = field(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    const body = archive.subarray(offset + 512, offset + 512 + size);
    longName = undefined;
    if (type === "L") {
      longName = body.toString("utf8").replace(/\0+$/, "");
    } else if (type === "x") {
      const path = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString("utf8"))?.[1];
      if (path !== undefined) longName = path;
    } else if (type === "0" || type === "\0") {
      files.set(name.replace(/^\.\//, ""), Buffer.from(body));
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

export function readTarGz(archive: Buffer): Map<string, Buffer> {
  return readTar(gunzipSync(archive));
}
