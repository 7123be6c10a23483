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

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]

KERNEL_IDLE = """() => { const w = window.jupyterapp?.shell?.currentWidget;
  const k = w?.sessionContext?.session?.kernel;
  return !!(w && w.content && k && k.connectionStatus === 'connected' && k.status === 'idle'); }"""

ALL_EXECUTED = """() => { const w = window.jupyterapp.shell.currentWidget;
  const k = w.sessionContext.session.kernel;
  return k.status === 'idle' && w.content.widgets.every(c => c.model.type !== 'code'
      || c.model.sharedModel.source.trim() === '' || c.model.executionCount !== null); }"""

ERRORS = """() => { const nb = window.jupyterapp.shell.currentWidget.content; const errs = [];
  nb.widgets.forEach((c, i) => { const outs = c.model.outputs; if (!outs) return;
    for (let j = 0; j < outs.length; j++) { const o = outs.get(j).toJSON();
      if (o.output_type === 'error') errs.push({cell: i, source: c.model.sharedModel.source
        .slice(0, 80), ename: o.ename, evalue: o.evalue}); } });
  return errs; }"""


class JupyterLab:
    """``with JupyterLab(notebooks) as lab:`` serves copies of the given notebooks."""

    def __init__(self, files: list[Path]):
        self.tmp = Path(tempfile.mkdtemp(prefix="seqlab-lab-"))
        self.root = self.tmp / "root"
        self.root.mkdir()
        for f in files:  # copies: JupyterLab autosaves what it opens
            shutil.copy(f, self.root / f.name)
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
                   JUPYTERLAB_WORKSPACES_DIR=str(self.tmp / "workspaces"))
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

    def url(self, name: str) -> str:
        return f"{self.base}/lab/tree/{name}?token={self.token}"

    def server_log(self) -> str:
        return (self.tmp / "server.log").read_text()

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the server and its kernels
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
