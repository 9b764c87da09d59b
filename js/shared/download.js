// Downloads with their bytes counted as they arrive, and the one test for "this failed because
// the device is offline". The page (sw-client.js) and the workers (boot.js, models.js,
// inflate-worker.js) all count and judge downloads through these.

/**
 * The body of a response, counted as it streams: `onBytes(n)` for each chunk of n bytes. An
 * onBytes that throws fails the stream (e.g. a file larger than expected).
 * @param {Response} response
 * @param {(bytes: number) => void} onBytes
 * @returns {ReadableStream<Uint8Array>}
 */
export function countedBody(response, onBytes) {
  return response.body.pipeThrough(new TransformStream({
    transform(chunk, controller) {
      onBytes(chunk.byteLength);
      controller.enqueue(chunk);
    },
  }));
}

/**
 * Fetch a file whole, counting its bytes; an HTTP error status is an error.
 * @param {string|URL} url
 * @param {(bytes: number) => void} onBytes
 * @param {RequestInit} [init]
 * @returns {Promise<ArrayBuffer>}
 */
export async function fetchCounted(url, onBytes, init) {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
  return new Response(countedBody(response, onBytes)).arrayBuffer();
}

/**
 * Whether a failed download or start failed because the network is unreachable: the browser
 * says it is offline, or fetch() / import() rejected with their TypeError ("Failed to fetch" in
 * Chromium, "NetworkError…" in Firefox, "Load failed" in WebKit, "…module script failed").
 * @param {unknown} error
 */
export function isOfflineFailure(error) {
  if (globalThis.navigator?.onLine === false) return true;
  return error instanceof TypeError && /fetch|network|import|load failed/i.test(error.message);
}
