"""The environment check shown at the top of the getting-started notebook."""

from __future__ import annotations

import os
import platform
from importlib import metadata

from seqlab import backend

PACKAGES = ("seqlab", "numpy", "plotly", "ipywidgets", "anywidget", "jupyterlab", "ipykernel",
            "tqdm", "cupy-cuda12x")


class EnvironmentReport(dict):
    """A dict of name -> version (or status) that displays as a small table."""

    def __repr__(self) -> str:
        width = max(map(len, self))
        return "\n".join(f"{k:<{width}}  {v}" for k, v in self.items())

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td style='text-align:left'>{k}</td>"
                       f"<td style='text-align:left'>{v}</td></tr>" for k, v in self.items())
        return f"<table>{rows}</table>"


def environment_report() -> EnvironmentReport:
    """Python, package versions, the array backend in use and the CPU count."""
    report = EnvironmentReport(python=platform.python_version())
    for name in PACKAGES:
        try:
            report[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            report[name] = "not installed" + (" (optional: GPU only)" if "cupy" in name else "")
    report["backend"] = backend.device_name()
    report["CPU cores"] = str(os.cpu_count())
    return report
