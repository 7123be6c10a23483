"""The input contract's error classes (``docs/input-contract.md``): each is also the built-in
class that NumPy and dict users catch, and a ValueError. Defined apart from
:mod:`seqlab._validate` so that :mod:`seqlab.backend`, which _validate imports, can raise them."""

CLIP_ADVICE = "if this comes from training, clip the gradients or lower the learning rate"


class MissingKeyError(KeyError, ValueError):
    """A key (a parameter, a word, a token) that is not there; a KeyError and a ValueError."""

    def __str__(self) -> str:              # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


class IdError(IndexError, ValueError):
    """An id (token, label, row, index) outside its range; an IndexError and a ValueError."""


class NonFiniteError(FloatingPointError, ValueError):
    """NaN or inf where a loss or an optimizer step needs finite numbers."""
