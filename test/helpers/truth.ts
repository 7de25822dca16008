// The stored points of a backend against the Segment emulator's truth, every family the run exports
// (delivery summary, failures by reason, event volume, pipeline steps): no problem, and each family
// actually checked. Returns how many points were compared.
import { expect } from "vitest";
import type { Emulators } from "../../src/emulator/index.js";
import {
  type CheckWindow,
  checkDelivery,
  checkEventVolume,
  checkFailures,
  checkPipeline,
} from "../../src/emulator/verify.js";

type Store = Parameters<typeof checkDelivery>[1];

export function expectTruth(
  segment: Emulators["segment"],
  store: Store,
  window: CheckWindow,
  minDelivery = 50,
): number {
  const delivery = checkDelivery(segment, store, window);
  const failures = checkFailures(segment, store, window);
  const events = checkEventVolume(segment, store, window);
  const pipeline = checkPipeline(segment, store, window);
  expect([...delivery.problems, ...failures.problems, ...events.problems, ...pipeline.problems]).toEqual([]);
  expect(delivery.checked).toBeGreaterThan(minDelivery);
  expect(failures.checked).toBeGreaterThan(0);
  expect(events.checked).toBeGreaterThan(0);
  expect(pipeline.checked).toBeGreaterThan(0);
  return delivery.checked + failures.checked + events.checked + pipeline.checked;
}
