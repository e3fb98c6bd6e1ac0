import { CID } from "multiformats/cid";
import { InvalidCidError } from "./errors.ts";

/** A CID object from a CID or its string form; anything else throws InvalidCidError. */
export function toCid(value: CID | string): CID {
  if (typeof value === "string") {
    try {
      return CID.parse(value);
    } catch (err) {
      throw new InvalidCidError(`not a CID: ${JSON.stringify(value)}`, { cause: err });
    }
  }
  const cid = CID.asCID(value);
  if (cid === null) throw new InvalidCidError(`not a CID: ${String(value)}`);
  return cid;
}
