// Runs a Python script inside Pyodide under Node, for the build (buildtools/pycompile.py).
//   node buildtools/pyodide_run.mjs PYODIDE_DIR SCRIPT.py WORK_DIR [PACKAGE...]
// PYODIDE_DIR holds pyodide.mjs, pyodide.asm.{js,wasm}, python_stdlib.zip, pyodide-lock.json and
// the packages' wheels (loadPackage checks each against the lock's sha256). The repository is
// mounted at /repo and WORK_DIR at /work; the script's last expression is printed as the last
// line of stdout.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [pyodideDir, script, workDir, ...packages] = process.argv.slice(2);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, 'pyodide.mjs')).href);
const pyodide = await loadPyodide({ indexURL: pyodideDir + path.sep, stdout: console.error, stderr: console.error });
if (packages.length) await pyodide.loadPackage(packages, { messageCallback: () => {}, errorCallback: console.error });
pyodide.mountNodeFS('/repo', root);
pyodide.mountNodeFS('/work', path.resolve(workDir));
const result = await pyodide.runPythonAsync(await readFile(script, 'utf8'));
console.log(result);
