// Runs bench/render_timing.py's step_timings() inside Pyodide under Node, on saved inputs.
//   node bench/pyodide_timing.mjs PYODIDE_DIR REPO_ROOT INPUTS.npz RUNS [BASELINE_DIR] [ONLY]
// Prints the result as JSON on the last line of stdout (render_timing.py reads it).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [pyodideDir, root, inputs, runs, baseline, only] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, 'pyodide.mjs')).href);
// dist/ ships numpy and Pillow as one archive (buildtools/sitepackages.py), not as wheels.
const archive = path.join(pyodideDir, 'site-packages.tar.gz');
const packed = existsSync(archive);
const pyodide = await loadPyodide({ indexURL: pyodideDir + path.sep, packages: packed ? [] : ['numpy', 'pillow'] });
if (packed) pyodide.unpackArchive(new Uint8Array(readFileSync(archive)), 'gztar', { extractDir: '/lib/python3.12/site-packages' });
pyodide.mountNodeFS('/repo', root);
pyodide.mountNodeFS('/inputs', path.dirname(inputs));
pyodide.globals.set('inputs_name', path.basename(inputs));
pyodide.globals.set('runs', Number(runs));
if (baseline) pyodide.mountNodeFS('/baseline', baseline);
pyodide.globals.set('baseline', baseline ? '/baseline' : null);
pyodide.globals.set('only', only || null);
const result = pyodide.runPython(`
import json, sys
sys.path[:0] = ["/repo", "/repo/py"]
import numpy as np
from bench.render_timing import step_timings
with np.load("/inputs/" + inputs_name) as saved:
    arrays = {name: saved[name] for name in saved.files}
json.dumps(step_timings(**arrays, runs=runs, baseline=baseline, only=only))
`);
console.log(result);
