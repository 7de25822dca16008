// License notices for npm packages copied into a bundle: every package whose files esbuild read
// (from the build's metafile), with its version, license and license text.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The npm packages among the inputs of esbuild metafiles, sorted. */
export function bundledPackages(metafiles) {
  const packages = new Set();
  for (const input of metafiles.flatMap((m) => Object.keys(m.inputs))) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) packages.add(match[1]);
  }
  return [...packages].sort();
}

/** Writes `file`: `heading`, then each package's name, version, license and license text. */
export function writeNotices(file, heading, packages) {
  const notices = packages.map((name) => {
    const dir = join("node_modules", name);
    const { version, license } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    const text = readdirSync(dir).find((f) => /^(licen[sc]e|copying)/i.test(f));
    const body = text ? readFileSync(join(dir, text), "utf8").trim() : `License: ${license}`;
    return `${name}@${version} (${license})\n\n${body}\n`;
  });
  writeFileSync(file, `${heading}\n\n${notices.join(`\n${"=".repeat(78)}\n\n`)}`);
}
