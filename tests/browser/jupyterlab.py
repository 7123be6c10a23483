"""A JupyterLab server and a headless Chromium page on it, for the real-browser tests.

Recipe: ../shared/docs/tooling-recipes.md section 2 (Python Playwright + Debian Chromium,
kernel readiness through the ``window.jupyterapp`` object, run-all through its commands).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]

# The notebook at `path` is the current widget and its kernel is connected and idle. Checking the
# path matters: a page can briefly show another widget before the requested notebook opens.
KERNEL_IDLE = """(path) => { const w = window.jupyterapp?.shell?.currentWidget;
  const k = w?.sessionContext?.session?.kernel;
  return !!(w && w.content && w.context?.path === path && k
            && k.connectionStatus === 'connected' && k.status === 'idle'); }"""

# Exceptions raised in widget callbacks (slider.observe(...), an interact function called after a
# slider move) reach the frontend only as iopub `error` messages whose parent is a comm_msg;
# JupyterLab shows them nowhere. Collect them from the moment the kernel is ready.
WATCH_CALLBACK_ERRORS = """() => { window.__seqlabCallbackErrors = [];
  const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  k.iopubMessage.connect((_, m) => {
    if (m.header.msg_type === 'error' && m.parent_header?.msg_type !== 'execute_request') {
      window.__seqlabCallbackErrors.push({parent: m.parent_header?.msg_type, ...m.content}); }
  }); }"""

# Clear outputs, then Run All; fire and forget (awaiting the command in page.evaluate has no
# timeout). Run All resolves false when a cell raises: later cells then never run.
START_RUN_ALL = """() => { window.__seqlabRunAll = null; const c = window.jupyterapp.commands;
  c.execute('notebook:clear-all-cell-outputs').then(() => c.execute('notebook:run-all-cells'))
   .then(ok => { window.__seqlabRunAll = {ok: !!ok}; },
         err => { window.__seqlabRunAll = {ok: false, error: String(err)}; }); }"""

# Run All has settled, the kernel is idle, no cell shows [*] and no widget view is still loading.
RUN_ALL_DONE = """() => { if (!window.__seqlabRunAll) return false;
  const w = window.jupyterapp.shell.currentWidget; const k = w.sessionContext.session?.kernel;
  return !!k && k.status === 'idle'
    && w.content.widgets.every(c => c.model.type !== 'code' || c.model.executionState !== 'running')
    && ![...w.node.querySelectorAll('.jp-OutputArea-output')]
        .some(el => el.textContent === 'Loading widget...'); }"""

# Non-empty code cells without an execution count (never ran, or still [*]).
UNEXECUTED = """() => { const out = [];
  window.jupyterapp.shell.currentWidget.content.widgets.forEach((c, i) => {
    const src = c.model.sharedModel.source;
    if (c.model.type === 'code' && src.trim() !== '' && (c.model.executionCount === null
        || c.model.executionState === 'running')) out.push({cell: i, source: src.slice(0, 80)}); });
  return out; }"""

# Every error in the notebook. JupyterLab 4 renders an error output with
# data-mime-type="application/vnd.jupyter.stderr", exactly like a stream to stderr (tqdm,
# warnings); nothing in the DOM carries "application/vnd.jupyter.error". So read output_type
# from the output models: the cell's, and those of Output widgets (interact) inside it, found by
# walking the Lumino widgets. Cells tagged `raises-exception` (JupyterLab then keeps running) may
# raise. Also: widgets that failed to display, and errors from widget callbacks (above).
ERRORS = """() => { const nb = window.jupyterapp.shell.currentWidget.content; const errs = [];
  const add = (model, i, where) => { for (let j = 0; j < model.length; j++) {
    const o = model.get(j).toJSON(); if (o.output_type !== 'error') continue;
    errs.push({cell: i, where, source: nb.widgets[i].model.sharedModel.source.slice(0, 80),
               ename: o.ename, evalue: o.evalue, traceback: (o.traceback || []).join('\\n')}); } };
  const walk = (w, i, top) => {
    if (!top && w.node.classList.contains('jp-OutputArea') && w.model?.get) {
      add(w.model, i, 'in an Output widget'); }
    for (const child of w.children()) walk(child, i, false); };
  nb.widgets.forEach((c, i) => {
    if (c.model.type !== 'code' || (c.model.getMetadata('tags') || []).includes('raises-exception'))
      return;
    add(c.model.outputs, i, 'output');
    if (c.outputArea) walk(c.outputArea, i, true);
    for (const el of c.node.querySelectorAll('.jp-OutputArea-output')) {
      if (el.textContent.startsWith('Error displaying widget')) errs.push({cell: i, where: 'widget',
        source: c.model.sharedModel.source.slice(0, 80), ename: 'WidgetError',
        evalue: el.textContent, traceback: ''}); } });
  for (const e of window.__seqlabCallbackErrors || []) {
    errs.push({cell: null, where: `a widget callback (${e.parent})`, source: '', ename: e.ename,
               evalue: e.evalue, traceback: (e.traceback || []).join('\\n')}); }
  return errs; }"""


class JupyterLab:
    """``with JupyterLab(notebooks, base) as lab:`` serves copies of the given notebooks, at their
    paths relative to ``base`` (their directory when ``base`` is None)."""

    def __init__(self, files: list[Path], base: Path | None = None):
        self.tmp = Path(tempfile.mkdtemp(prefix="seqlab-lab-"))
        self.root = self.tmp / "root"
        self.root.mkdir()
        for f in files:  # copies: JupyterLab autosaves what it opens
            dest = self.root / (f.relative_to(base) if base else f.name)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, dest)
        settings = self.tmp / "settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True)
        (settings / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.token = secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> JupyterLab:
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
               f"--ServerApp.token={self.token}", f"--ServerApp.root_dir={self.root}",
               "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.expose_app_in_browser=True"]
        if os.getuid() == 0:
            cmd.append("--allow-root")
        env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(self.tmp / "settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(self.tmp / "workspaces"),
                   JUPYTER_RUNTIME_DIR=str(self.tmp / "runtime"),  # connection files
                   JUPYTER_CONFIG_DIR=str(self.tmp / "config"))  # not ~/.jupyter
        self.log = open(self.tmp / "server.log", "w")  # noqa: SIM115 - closed in __exit__
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{self.base}/api/status?token={self.token}", timeout=2)
                return self
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError(f"JupyterLab did not start:\n{self.server_log()[-3000:]}")

    def url(self, name: str, workspace: str = "default") -> str:
        # One workspace per page: the default one would reopen every notebook opened before.
        return f"{self.base}/lab/workspaces/{workspace}/tree/{name}?token={self.token}"

    def server_log(self) -> str:
        return (self.tmp / "server.log").read_text()

    def __exit__(self, *exc: object) -> None:
        # Kernels run in their own sessions (jupyter_client), outside the server's process
        # group: note them first, let the server shut them down, then kill what is left.
        kernels = []
        if self.proc and self.proc.poll() is None:
            try:
                kernels = psutil.Process(self.proc.pid).children(recursive=True)
            except psutil.NoSuchProcess:
                pass
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        for p in kernels:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(kernels, timeout=5)
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
