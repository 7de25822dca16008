// Protobuf codec of remote write 1.0's `prometheus.WriteRequest` (prompb/remote.proto, types.proto):
//   WriteRequest { repeated TimeSeries timeseries = 1; }
//   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
//   Label        { string name = 1; string value = 2; }
//   Sample       { double value = 1; int64 timestamp = 2; }   // Unix ms
// Only what 1.0 defines; other fields (metadata, exemplars, histograms) are skipped when read.
//
// Library: pbf (Mapbox's protobuf reader/writer, pure JS with its own types, no dependencies,
// ~5 kB bundled). Four fixed messages need no codegen nor reflection, and a cron job pays every
// import at start: measured here, pbf loads in ~6–13 ms, @bufbuild/protobuf/wire in ~50–80 ms (its
// index pulls in the reflection runtime) and protobufjs in ~70–140 ms (plus `long` for int64).
// pbf reads int64 as a JS number, exact for any millisecond timestamp (< 2^53). It does not check
// bounds, so the decoder below does: a truncated body must be an error, not garbage.
import { PbfReader, PbfWriter } from "pbf";

export interface ProtoLabel {
  name: string;
  value: string;
}

export interface ProtoSample {
  value: number;
  /** Unix ms. */
  timestamp: number;
}

export interface ProtoTimeSeries {
  labels: ProtoLabel[];
  samples: ProtoSample[];
}

const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;

/** proto3 leaves default values out; a +0 double is all zero bits (-0 is not, and is written). */
const isPositiveZero = (value: number): boolean => value === 0 && !Object.is(value, -0);

function writeLabel(label: ProtoLabel, pbf: PbfWriter): void {
  if (label.name !== "") pbf.writeStringField(1, label.name);
  if (label.value !== "") pbf.writeStringField(2, label.value);
}

function writeSample(sample: ProtoSample, pbf: PbfWriter): void {
  if (!isPositiveZero(sample.value)) pbf.writeDoubleField(1, sample.value);
  if (sample.timestamp !== 0) pbf.writeVarintField(2, sample.timestamp); // int64: negative as 10 bytes
}

function writeTimeSeries(ts: ProtoTimeSeries, pbf: PbfWriter): void {
  for (const label of ts.labels) pbf.writeMessage(1, writeLabel, label);
  for (const sample of ts.samples) pbf.writeMessage(2, writeSample, sample);
}

export function encodeWriteRequestProto(series: readonly ProtoTimeSeries[]): Uint8Array {
  const pbf = new PbfWriter();
  for (const ts of series) pbf.writeMessage(1, writeTimeSeries, ts);
  return pbf.finish();
}

/** Reads a known field's value and returns true, or returns false to have the field skipped. */
type FieldReader = (no: number, type: number) => boolean;

/** Reads the fields of the message in [reader.pos, end). */
function readFields(reader: PbfReader, end: number, what: string, field: FieldReader): void {
  while (reader.pos < end) {
    const no = reader.nextField(end);
    if (no === 0) throw new Error(`illegal field number 0 in ${what}`);
    if (!field(no, reader.type)) reader.skip(reader.type);
    if (reader.pos > end) throw new Error(`truncated ${what}`);
  }
}

/** A known field with another wire type is an error, as in Prometheus' generated decoder. */
function wireType(actual: number, wanted: number, what: string): void {
  if (actual !== wanted) throw new Error(`wrong wire type ${actual} for ${what}`);
}

/** The end of the length-delimited value at the reader's position, checked against its parent's. */
function messageEnd(reader: PbfReader, parentEnd: number, what: string): number {
  const end = reader.readVarint() + reader.pos;
  if (end > parentEnd) throw new Error(`truncated ${what}`);
  return end;
}

function readLabel(reader: PbfReader, end: number): ProtoLabel {
  const label: ProtoLabel = { name: "", value: "" };
  readFields(reader, end, "Label", (no, type) => {
    if (no !== 1 && no !== 2) return false;
    wireType(type, BYTES, "Label");
    label[no === 1 ? "name" : "value"] = reader.readString();
    return true;
  });
  return label;
}

function readSample(reader: PbfReader, end: number): ProtoSample {
  const sample: ProtoSample = { value: 0, timestamp: 0 };
  readFields(reader, end, "Sample", (no, type) => {
    if (no === 1) {
      wireType(type, FIXED64, "Sample.value");
      sample.value = reader.readDouble();
    } else if (no === 2) {
      wireType(type, VARINT, "Sample.timestamp");
      sample.timestamp = reader.readVarint(true);
    } else return false;
    return true;
  });
  return sample;
}

function readTimeSeries(reader: PbfReader, end: number): ProtoTimeSeries {
  const ts: ProtoTimeSeries = { labels: [], samples: [] };
  readFields(reader, end, "TimeSeries", (no, type) => {
    if (no === 1) {
      wireType(type, BYTES, "TimeSeries.labels");
      ts.labels.push(readLabel(reader, messageEnd(reader, end, "Label")));
    } else if (no === 2) {
      wireType(type, BYTES, "TimeSeries.samples");
      ts.samples.push(readSample(reader, messageEnd(reader, end, "Sample")));
    } else return false;
    return true;
  });
  return ts;
}

/** Labels and samples in wire order, repeated names included: a receiver judges them itself. */
export function decodeWriteRequestProto(bytes: Uint8Array): ProtoTimeSeries[] {
  const reader = new PbfReader(bytes);
  const series: ProtoTimeSeries[] = [];
  readFields(reader, bytes.length, "WriteRequest", (no, type) => {
    if (no !== 1) return false;
    wireType(type, BYTES, "WriteRequest.timeseries");
    series.push(readTimeSeries(reader, messageEnd(reader, bytes.length, "TimeSeries")));
    return true;
  });
  return series;
}
