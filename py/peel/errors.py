"""Typed errors of the Peel pipeline.

Every error raised on purpose by the package is a :class:`PeelError` with a
stable, kebab-case ``code`` class attribute and a human-readable message. The
browser glue (``peel.bridge``) turns them into ``{name, code, message}`` at the
Python/JS boundary; the UI shows the message and tests match the code, so codes
must never be renamed once published.

Each subclass also inherits the builtin exception a Python caller would
expect (``ValueError`` for bad values, ``TypeError`` for bad types), so plain
``except ValueError`` keeps working for code that does not know about Peel.
"""

__all__ = [
    "PeelError",
    "InvalidArgumentError",
    "ArgumentTypeError",
    "InvalidImageError",
    "ImageTypeError",
    "ModelOutputError",
]


class PeelError(Exception):
    """Base class of every error Peel raises on purpose.

    Parameters
    ----------
    message : str
        Human-readable explanation, naming the offending parameter.

    Attributes
    ----------
    code : str
        Stable machine-readable identifier (kebab-case), shared by the class
        and its instances.
    message : str
        The human-readable explanation.
    """

    code = "peel-error"

    def __init__(self, message):
        super().__init__(message)
        self.message = str(message)


class InvalidArgumentError(PeelError, ValueError):
    """An argument (mask, size, output buffer, callable...) has a bad value."""

    code = "invalid-argument"


class ArgumentTypeError(InvalidArgumentError, TypeError):
    """An argument has the wrong type or dtype."""


class InvalidImageError(InvalidArgumentError):
    """An image argument has a bad shape, is empty, or cannot be used."""

    code = "invalid-image"


class ImageTypeError(InvalidImageError, TypeError):
    """An image argument is not an array or has the wrong dtype."""


class ModelOutputError(PeelError, ValueError):
    """The inference function returned something that is not a usable prediction."""

    code = "bad-model-output"
