// --config: YAML or JSON, several workspaces, errors that give the path of the bad key.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveExport } from "../../src/config/settings.js";

const dir = mkdtempSync(join(tmpdir(), "sde-config-"));
let n = 0;
function file(text: string, ext = "yaml"): string {
  const path = join(dir, `c${n++}.${ext}`);
  writeFileSync(path, text);
  return path;
}
const env = { PROD_TOKEN: "prod-token-123456", STAGE_TOKEN: "stage-token-123456", DD_API_KEY: "dd-key-123456" };

describe("a valid config file", () => {
  it("gives several workspaces with their own tokens, regions, filters and tags", () => {
    const tokenFile = join(dir, "secret");
    writeFileSync(tokenFile, "file-token-123456\n");
    const config = resolveExport(
      {
        config: file(`
workspaces:
  - name: prod
    tokenEnv: PROD_TOKEN
    region: eu
    sources: { include: [web, ios] }
    tags: [team:growth]
  - tokenFile: ${tokenFile}
    apiUrl: http://127.0.0.1:9999
    sources: { exclude: [legacy] }
datadog: { site: datadoghq.eu }
export: { bucket: 15m, delay: 1m, reread: [20m] }
tags: [env:prod]
`),
      },
      env,
    );
    expect(config.workspaces).toEqual([
      expect.objectContaining({
        label: "workspaces[0] (prod)",
        token: "prod-token-123456",
        apiUrl: "https://eu1.api.segmentapis.com",
        include: ["web", "ios"],
        exclude: [],
        tags: ["team:growth"],
      }),
      expect.objectContaining({
        token: "file-token-123456",
        apiUrl: "http://127.0.0.1:9999",
        include: [],
        exclude: ["legacy"],
      }),
    ]);
    expect(config.sink.name === "datadog" && config.sink.settings?.site).toBe("datadoghq.eu");
    expect(config.schedule).toMatchObject({ bucketMs: 900_000, delayMs: 60_000, rereadMs: [1_200_000] });
    expect(config.tags).toEqual(["env:prod"]);
  });

  it("reads JSON too, and flags still win over the file", () => {
    const config = resolveExport(
      {
        config: file(JSON.stringify({ workspaces: [{ tokenEnv: "PROD_TOKEN" }], export: { bucket: "15m" } }), "json"),
        bucket: "5m",
      },
      env,
    );
    expect(config.schedule.bucketMs).toBe(300_000);
  });

  it("--source narrows every workspace", () => {
    const config = resolveExport(
      { config: file("workspaces: [{ tokenEnv: PROD_TOKEN, sources: { exclude: [x] } }]"), source: ["web"] },
      env,
    );
    expect(config.workspaces[0]).toMatchObject({ include: ["web"], exclude: [] });
  });
});

describe("config errors name the path of the bad key", () => {
  it.each([
    ["workspaces:\n  - tokenEnv: PROD_TOKEN\n    regoin: eu\n", /: workspaces\[0\]: unknown key 'regoin'/],
    ["workspaces:\n  - tokenEnv: PROD_TOKEN\n    region: mars\n", /: workspaces\[0\]\.region: .*"us"\|"eu"/],
    [
      "workspaces:\n  - tokenEnv: PROD_TOKEN\n  - region: eu\n",
      /: workspaces\[1\]: needs exactly one of tokenEnv .* or tokenFile/,
    ],
    [
      "workspaces:\n  - token: sgp_literal\n",
      /workspaces\[0\]\.token: the token is never written in the config file; use tokenEnv/,
    ],
    [
      "workspaces:\n  - tokenEnv: MISSING_TOKEN\n",
      /workspaces\[0\]\.tokenEnv: environment variable MISSING_TOKEN is not set/,
    ],
    ["workspaces: []\n", /: workspaces: list at least one workspace/],
    [
      "workspaces:\n  - tokenEnv: PROD_TOKEN\n    apiUrl: http://segment.example.com\n",
      /workspaces\[0\]\.apiUrl: plain http:\/\/ is refused/,
    ],
    [
      "workspaces:\n  - tokenEnv: PROD_TOKEN\n    tags: [nocolon]\n",
      /workspaces\[0\]\.tags: 'nocolon' is not a key:value tag/,
    ],
    ["export: { bucket: 7x }\n", /--config .*: export\.bucket: '7x' is not a duration/],
    ["export: { reread: [58m] }\n", /--config .*: export\.reread: a bucket re-read at 58m/],
    ["concurrency: many\n", /: concurrency: /],
    ["datadog: { site: app.datadoghq.com }\n", /datadog\.site: 'app\.datadoghq\.com' is not a Datadog site/],
    [
      "workspaces:\n  - tokenEnv: PROD_TOKEN\n    sources: { include: [a], exclude: [b] }\n",
      /workspaces\[0\]\.sources: use include or exclude, not both/,
    ],
    ["workspaces: [\n", /is not valid YAML/],
  ])("%j", (text, pattern) => {
    expect(() => resolveExport({ config: file(text) }, env)).toThrow(pattern);
  });

  it("a missing file names the flag", () => {
    expect(() => resolveExport({ config: join(dir, "nope.yaml") }, env)).toThrow(
      /^--config: cannot read .*nope\.yaml \(ENOENT\)/,
    );
  });

  it("invalid JSON names the format", () => {
    expect(() => resolveExport({ config: file("{ workspaces: ", "json") }, env)).toThrow(/is not valid JSON/);
  });

  it("--segment-url cannot apply to several workspaces", () => {
    expect(() =>
      resolveExport({ config: file("workspaces: [{ tokenEnv: PROD_TOKEN }]"), segmentUrl: "https://x.example" }, env),
    ).toThrow(/^--segment-url: the config file lists workspaces/);
  });
});
