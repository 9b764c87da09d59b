// Module-worker entry: wires the page's messages into the runtime. Nothing else lives here.
import { startRuntime } from './runtime.js';

const handle = startRuntime((message, transfer = []) => self.postMessage(message, transfer));
self.addEventListener('message', (event) => handle(event.data));
