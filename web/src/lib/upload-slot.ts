/**
 * Hands one slot to its provider: `POST {apiUrl}/api/v1/slots/{requestId}/{index}` with the
 * slot's bytes. XMLHttpRequest, not fetch, because only it reports upload progress.
 */
export class SlotUploadError extends Error {
  override name = "SlotUploadError";
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}

export function slotUploadUrl(apiUrl: string, requestId: string, index: number): string {
  return new URL(`/api/v1/slots/${requestId}/${index}`, apiUrl).toString();
}

export function uploadSlot(
  params: { apiUrl: string; requestId: string; index: number; bytes: Uint8Array },
  onProgress: (sent: number, total: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", slotUploadUrl(params.apiUrl, params.requestId, params.index));
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.total || params.bytes.length);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(params.bytes.length, params.bytes.length);
        resolve();
      } else {
        let detail = xhr.statusText;
        try {
          // The node's API errors: { error: { code, message, field? } }.
          const body = JSON.parse(xhr.responseText) as { error?: { message?: string }; message?: string };
          detail = body.error?.message ?? body.message ?? detail;
        } catch {
          // not JSON: keep the status text
        }
        reject(
          new SlotUploadError(
            `slot ${params.index}: the provider answered ${xhr.status} ${detail}`,
            xhr.status,
          ),
        );
      }
    };
    xhr.onerror = () => reject(new SlotUploadError(`slot ${params.index}: could not reach ${params.apiUrl}`));
    xhr.send(params.bytes as Uint8Array<ArrayBuffer>);
  });
}
