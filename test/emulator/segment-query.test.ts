import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor, parseQuery } from "../../src/emulator/segment/index.js";
import { pageRequest, paginate } from "../../src/emulator/segment/pagination.js";

describe("segment emulator query parsing", () => {
  it("reads dot-index lists and dot objects", () => {
    const q = parseQuery("groupBy.0=eventName&groupBy.1=source&pagination.count=3&pagination.cursor=Mw%3D%3D");
    expect(q.list("groupBy")).toEqual(["eventName", "source"]);
    expect(q.object("pagination")).toEqual({ count: "3", cursor: "Mw==" });
  });

  it("reads bracket-index lists and bracket objects, percent-encoded", () => {
    const q = parseQuery(
      "groupBy%5B0%5D=eventName&groupBy%5B1%5D=source&pagination%5Bcount%5D=200&pagination%5Bcursor%5D=MA%3D%3D",
    );
    expect(q.list("groupBy")).toEqual(["eventName", "source"]);
    expect(q.object("pagination")).toEqual({ count: "200", cursor: "MA==" });
  });

  it("reads literal brackets and empty-bracket appends", () => {
    expect(parseQuery("pagination[count]=5&pagination[cursor]=MQ==").object("pagination")).toEqual({
      count: "5",
      cursor: "MQ==",
    });
    expect(parseQuery("sourceId[]=a&sourceId[]=b").list("sourceId")).toEqual(["a", "b"]);
  });

  it("orders indexed items numerically, mixing dot and bracket forms", () => {
    const q = parseQuery("groupBy.10=c&groupBy[2]=b&groupBy.0=a");
    expect(q.list("groupBy")).toEqual(["a", "b", "c"]);
  });

  it("reads repeated keys and comma-joined values", () => {
    expect(parseQuery("groupBy=eventName&groupBy=source").list("groupBy")).toEqual(["eventName", "source"]);
    expect(parseQuery("groupBy=eventName,eventType").list("groupBy")).toEqual(["eventName", "eventType"]);
    expect(parseQuery("groupBy=eventName%2CeventType").list("groupBy")).toEqual(["eventName", "eventType"]);
  });

  it("keeps commas when asked (event names may contain them)", () => {
    expect(parseQuery("eventName=A%2C%20B").list("eventName", false)).toEqual(["A, B"]);
  });

  it("reads JSON-valued objects and arrays (Python SDK)", () => {
    const q = parseQuery(
      `pagination=${encodeURIComponent('{"cursor": "MA==", "count": 2}')}&groupBy=${encodeURIComponent('["source"]')}`,
    );
    expect(q.object("pagination")).toEqual({ cursor: "MA==", count: "2" });
    expect(q.list("groupBy")).toEqual(["source"]);
  });

  it("reads scalars, plus as space, and nested deep objects", () => {
    const q = parseQuery(
      "startTime=2024-01-01T00%3A00%3A00Z&message=a+b&filter%5BeventName%5D%5B0%5D=X&filter%5BeventName%5D.1=Y",
    );
    expect(q.scalar("startTime")).toBe("2024-01-01T00:00:00Z");
    expect(q.scalar("message")).toBe("a b");
    expect(q.has("filter")).toBe(true);
    expect(q.scalar("missing")).toBeUndefined();
    expect(q.list("missing")).toBeUndefined();
  });
});

describe("segment emulator pagination helpers", () => {
  it("encodes cursors as base64 offsets", () => {
    expect(encodeCursor(0)).toBe("MA==");
    expect(encodeCursor(10)).toBe("MTA=");
    expect(decodeCursor("Mw==")).toBe(3);
    expect(decodeCursor("Mw= =")).toBeUndefined();
    expect(decodeCursor("not a cursor")).toBeUndefined();
    expect(decodeCursor(Buffer.from("x1").toString("base64"))).toBeUndefined();
  });

  it("defaults to 200 and validates count", () => {
    expect(pageRequest(parseQuery(""))).toEqual({ count: 200, offset: 0 });
    expect(pageRequest(parseQuery("pagination.cursor=MTA="))).toEqual({ count: 200, offset: 10 });
    for (const bad of ["0", "1001", "-1", "abc", "2.5"]) {
      expect(() => pageRequest(parseQuery(`pagination.count=${bad}`))).toThrow(/pagination.count/);
    }
    expect(() => pageRequest(parseQuery("pagination.count=5&pagination.cursor=%%%"))).toThrow(/cursor/);
  });

  it("omits next on the last page and previous on the first", () => {
    const items = [1, 2, 3, 4, 5];
    expect(paginate(items, { count: 2, offset: 0 }).pagination).toEqual({
      current: "MA==",
      next: "Mg==",
      totalEntries: 5,
    });
    expect(paginate(items, { count: 2, offset: 2 }).pagination).toEqual({
      current: "Mg==",
      next: "NA==",
      previous: "MA==",
      totalEntries: 5,
    });
    const last = paginate(items, { count: 2, offset: 4 });
    expect(last.items).toEqual([5]);
    expect(last.pagination).toEqual({ current: "NA==", previous: "Mg==", totalEntries: 5 });
  });
});
