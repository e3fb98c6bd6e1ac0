/**
 * Whether a provider's REST API answers right now. A quote asks before it chooses a
 * provider: the client's node pushes each slot to its provider over HTTP, so a provider
 * whose API is down (stopped, crashed, unreachable) would leave its slot unfilled until
 * the request expires.
 */
import { PROVIDER_PROBE_TIMEOUT_MS } from "./constants.ts";

/** True when `GET {apiUrl}/api/v1/info` answers 2xx within the timeout. */
export async function probeProviderApi(
  apiUrl: string,
  timeoutMs = PROVIDER_PROBE_TIMEOUT_MS,
): Promise<boolean> {
  try {
    const response = await fetch(`${apiUrl.replace(/\/$/, "")}/api/v1/info`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}
