"""seqlab: the Sequence Models course, implemented from scratch in NumPy (and CuPy).

Every model of the course with hand-written forward and backward passes, checked against finite
differences and PyTorch; notebooks with widgets and checked exercises live in ``notebooks/``.
See README.md for the module-to-week map.
"""

from seqlab.about import environment_report

__version__ = "0.1.0"
__all__ = ["__version__", "environment_report"]
