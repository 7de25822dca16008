// Text that came from the network (source and destination names, metric names, error bodies) is
// escaped before it reaches a terminal or a log line: an ESC could repaint the terminal, a newline
// could forge a log line, a NUL could cut a cell.

// Matching control characters is the point here.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what must be escaped
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Control characters as visible `\xNN` / `\uNNNN` escapes; everything else unchanged. */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
