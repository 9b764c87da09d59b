"""The editor's pure parts in Node: the edit history (undo/redo/reset), the stroke recorder, the
hints file name and the copied command's --hints (js/page/strokes.js, editor.js, command-line.js)."""

import json
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

SCRIPT = """
import { EditHistory, StrokeRecorder } from './js/page/strokes.js';
import { hintsName } from './js/page/editor.js';
import { commandLine } from './js/page/command-line.js';
const out = {};
const history = new EditHistory();
const a = { tool: 'erase', radius: 4, points: [[1, 2]] };
const b = { tool: 'restore', radius: 6, points: [[3, 4]] };
history.add(a); history.add(b);
out.added = [history.count, history.canUndo, history.canRedo];
history.undo();
out.undone = [history.count, history.strokes[0] === a, history.canRedo];
history.add(b);  // a new stroke after an undo drops the redo branch
out.branch = [history.count, history.canRedo];
out.reset = [history.reset(), history.count, history.reset()];
history.undo();
out.resetUndone = history.count;
const recorder = new StrokeRecorder('restore', 8, [10.123, 20.456]);
recorder.add([10.5, 20.5]);   // closer than radius / 4: skipped
recorder.add([14.0, 20.456]);
out.stroke = recorder.finish();
out.names = [hintsName('My photo.JPG'), hintsName('a/b.png')];
out.commands = [
  commandLine({ format: 'png' }, { hints: { name: 'photo-hints.png', snap: true } }),
  commandLine({ feather: 2 }, { hints: { name: "it's-hints.png", snap: false } }),
  commandLine({ format: 'png' }),
];
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(not shutil.which("node"), reason="needs node")
def test_history_recorder_names_and_command():
    result = subprocess.run(["node", "--input-type=module", "-e", SCRIPT], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["added"] == [2, True, False]
    assert out["undone"] == [1, True, True]
    assert out["branch"] == [2, False]
    assert out["reset"] == [True, 0, False]
    assert out["resetUndone"] == 2
    assert out["stroke"] == {"tool": "restore", "radius": 8, "points": [[10.12, 20.46], [14, 20.46]]}
    assert out["names"] == ["My photo-hints.png", "b-hints.png"]
    assert out["commands"] == ["peel --hints photo-hints.png", "peel --feather 2 --hints 'it'\\''s-hints.png' --no-snap",
                               "peel"]
