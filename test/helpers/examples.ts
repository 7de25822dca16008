// The example command lines users copy: the `Example(s):` section of each command's --help and the
// shell blocks of the README, and the shell text each line stands for.

export interface ExampleBlock {
  /** Where the block comes from, for test names: `sandbox --help`, `README § Backfill`. */
  source: string;
  /** In order: a block is one shell session, as a user pasting it line by line would have. */
  lines: string[];
}

/** The indented lines under a help text's `Example:` or `Examples (…):` heading. */
export function helpExamples(help: string): string[] {
  const lines = help.split("\n");
  const start = lines.findIndex((line) => /^Examples?\b[^:]*:$/.test(line));
  if (start < 0) return [];
  const examples: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith("  ")) break;
    examples.push(line.slice(2));
  }
  return examples;
}

/** Command names listed under `Commands:` in the program's --help (not `help` itself). */
export function helpCommands(help: string): string[] {
  const lines = help.split("\n");
  const start = lines.indexOf("Commands:");
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === "") break;
    const name = /^ {2}(\S+)/.exec(line)?.[1]; // wrapped summaries are indented further
    if (name && name !== "help") names.push(name);
  }
  return names;
}

const SHELL_FENCES = new Set(["sh", "bash", "shell", "cron"]);

/** The shell and crontab blocks of a Markdown text, each named by the nearest heading above it (and its number under it). */
export function markdownShellBlocks(markdown: string, name: string): ExampleBlock[] {
  const blocks: ExampleBlock[] = [];
  let heading = "";
  let open: ExampleBlock | undefined;
  let inOtherFence = false;
  for (const line of markdown.split("\n")) {
    const fence = /^```(\S*)\s*$/.exec(line);
    if (open) {
      if (fence) {
        blocks.push(open);
        open = undefined;
      } else open.lines.push(line);
    } else if (inOtherFence) {
      if (fence) inOtherFence = false;
    } else if (fence) {
      if (SHELL_FENCES.has(fence[1] ?? "")) {
        const before = blocks.filter((b) => b.source.startsWith(`${name} § ${heading}`)).length;
        open = { source: `${name} § ${heading}${before > 0 ? ` (block ${before + 1})` : ""}`, lines: [] };
      } else inOtherFence = true;
    } else if (/^#{1,6} /.test(line)) heading = line.replace(/^#+ /, "");
  }
  return blocks;
}

/**
 * The shell text a documented line stands for: `NAME=…` means "your value", taken from the
 * environment; a crontab entry stands for the command cron runs. Any other `…` outside a comment
 * is a placeholder nobody could run: an error, so a new one is noticed.
 */
export function asShell(line: string): string {
  const cron = /^(?:[\d*/,-]+\s+){5}(\S.*)$/.exec(line);
  const text = (cron?.[1] ?? line).replace(/\b([A-Z][A-Z0-9_]*)=…/g, '$1="$$$1"');
  const code = text.startsWith("#") ? "" : withoutComment(text);
  if (code.includes("…")) throw new Error(`an example with a placeholder no test can fill in: ${line}`);
  return text;
}

/** The command of a line without its trailing comment, for names and messages. */
export function withoutComment(line: string): string {
  return (line.split(/\s#\s/)[0] ?? "").trim();
}

/**
 * The calls of the CLI in a line: the command and the `--flags` after each `segment-datadog-exporter`
 * (or `…/bin/segment-datadog-exporter`) up to the end of its simple command (`|`, `;`, `&`).
 */
export function exporterCalls(line: string): Array<{ command: string | undefined; flags: string[] }> {
  return withoutComment(line)
    .split(/[|;&]+/)
    .flatMap((part) => {
      const words = part.trim().split(/\s+/);
      const at = words.findIndex(
        (w) => w === "segment-datadog-exporter" || w.endsWith("/bin/segment-datadog-exporter"),
      );
      if (at < 0) return [];
      const rest = words.slice(at + 1);
      const first = rest[0];
      // An image name (`docker build -t segment-datadog-exporter .`) is followed by no command word.
      if (first !== undefined && !first.startsWith("-") && !/^[a-z][a-z-]*$/.test(first)) return [];
      const command = first?.startsWith("-") ? undefined : first;
      return [{ command, flags: rest.filter((w) => w.startsWith("--")).map((w) => w.split("=")[0] ?? w) }];
    });
}
