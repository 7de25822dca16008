// A JSON request body written a slice at a time into a gzip stream: compressed on libuv's thread pool,
// and the event loop gets a turn between slices. Written whole, a 5 MB body held the event loop (and
// with it every fetch) ~300 ms, and held the whole JSON text besides its gzip.
import { once } from "node:events";
import { createGzip } from "node:zlib";

/** Items written per slice before the event loop gets a turn. */
const ITEMS_PER_SLICE = 1000;

/** `open` + the items' JSON joined by commas + `close`, gzip-compressed. */
export async function gzipJsonList<T>(
  open: string,
  items: Iterable<T>,
  write: (item: T) => string,
  close: string,
): Promise<Buffer> {
  const zip = createGzip();
  const chunks: Buffer[] = [];
  zip.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    zip.on("end", resolve);
    zip.on("error", reject);
  });
  let text = open;
  let written = 0;
  for (const item of items) {
    text += (written > 0 ? "," : "") + write(item);
    written++;
    if (written % ITEMS_PER_SLICE === 0) {
      if (!zip.write(text)) await once(zip, "drain");
      text = "";
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  zip.end(text + close);
  await ended;
  return Buffer.concat(chunks);
}
