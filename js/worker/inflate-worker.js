// Fetches and inflates one .tar.gz for the peel worker (packages.js), on a thread of its own:
// the peel worker's thread is busy with Python's start for long stretches, and a stream read
// there only makes progress between them.
//
// In:  {url, integrity}.  Out: {loaded} as bytes arrive, then {tar} (transferred) or
// {error, network}.

import { countedBody, isOfflineFailure } from '../shared/download.js';

self.addEventListener('message', async ({ data: { url, integrity } }) => {
  try {
    const response = await fetch(url, integrity ? { integrity } : {});
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    const counted = countedBody(response, (loaded) => self.postMessage({ loaded }));
    const tar = await new Response(counted.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();
    self.postMessage({ tar }, [tar]);
  } catch (error) {
    // `network`: the peel worker tells the user they are offline.
    self.postMessage({ error: `${error?.name ?? 'Error'}: ${error?.message ?? error}`, network: isOfflineFailure(error) });
  }
});
