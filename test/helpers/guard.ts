/**
 * Turns an un-awaited rejection into a failed test. Import it first in every test file:
 * a rejection that no test awaited is recorded, and the file's `after` hook fails with it,
 * instead of the run passing while an assertion's promise rejected unseen.
 */
import assert from "node:assert/strict";
import { after } from "node:test";

const unhandled: unknown[] = [];
let installed = false;

/** Installs the guard (once per process) and fails the calling file if anything leaked. */
export function guardUnhandledRejections(): void {
  if (!installed) {
    installed = true;
    process.on("unhandledRejection", (reason) => unhandled.push(reason));
  }
  after(() => {
    assert.deepEqual(unhandled, [], "a promise rejected without being awaited");
  });
}
