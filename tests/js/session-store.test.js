// The kept session's pure parts (js/page/session-store.js); the store itself is tested in real
// browsers (tests/browser/test_session_store.py, tests/engines/test_session_store_engines.py).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { storageOptions } from '../../js/page/session-store.js';

test('the URL can cap the store (a full quota, simulated) and pick where the bytes go', () => {
  const options = (query) => storageOptions(new URLSearchParams(query));
  assert.deepEqual(options(''), {});
  assert.deepEqual(options('storage.quota=200000&storage.backend=idb'), { quotaBytes: 200000, prefer: 'idb' });
  assert.deepEqual(options('storage.quota=0'), { quotaBytes: 0 });
  assert.deepEqual(options('storage.backend=opfs'), { prefer: 'opfs' });
  // Nonsense is ignored, never a quota of NaN or a backend that does not exist.
  assert.deepEqual(options('storage.quota=lots&storage.backend=floppy'), {});
  assert.deepEqual(options('storage.quota=-5'), {});
});
