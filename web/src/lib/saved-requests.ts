/**
 * What the browser remembers about the requests it made: the file's name and type, so a
 * download gets them back. Never the encryption key: the user keeps that.
 */
export interface SavedRequest {
  requestId: `0x${string}`;
  name: string;
  type: string;
}

const KEY = "cairn:requests";

export function loadSavedRequests(storage: Storage = localStorage): SavedRequest[] {
  try {
    return JSON.parse(storage.getItem(KEY) ?? "[]") as SavedRequest[];
  } catch {
    return [];
  }
}

export function saveRequest(request: SavedRequest, storage: Storage = localStorage): void {
  const others = loadSavedRequests(storage).filter((r) => r.requestId !== request.requestId);
  storage.setItem(KEY, JSON.stringify([request, ...others]));
}
