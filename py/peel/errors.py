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


# --- Errors about an image file, raised by peel.header.inspect_image before any decoding. ---
# They subclass InvalidImageError (an image that cannot be used), so ``except ValueError`` and
# ``except InvalidImageError`` keep catching them; each has its own code for the UI.


class EmptyFileError(InvalidImageError):
    """The file has no bytes at all."""

    code = "empty-file"


class NotAnImageError(InvalidImageError):
    """The file is not an image: a document, archive, video, text, or unrecognised bytes.

    Attributes
    ----------
    kind : str or None
        What the file looks like, as a stable key: "pdf", "postscript", "zip", "archive",
        "svg", "html", "xml", "text", "video" or "audio"; None when unknown.
    """

    code = "not-an-image"

    def __init__(self, message, *, kind=None):
        super().__init__(message)
        self.kind = kind


class UnsupportedFormatError(InvalidImageError):
    """The file is an image in a format the browser cannot decode (HEIC, TIFF, PSD...).

    Attributes
    ----------
    format : str
        Short name of the format, e.g. "HEIC".
    info : peel.header.ImageInfo or None
        What its header says (size, orientation...), when it could be read.
    """

    code = "unsupported-format"

    def __init__(self, message, *, format, info=None):
        super().__init__(message)
        self.format = format
        self.info = info


class CorruptImageError(InvalidImageError):
    """The file starts like a known image format but its header is damaged or cut short.

    Attributes
    ----------
    format : str
        The format its signature announced, e.g. "PNG".
    """

    code = "corrupt-image"

    def __init__(self, message, *, format):
        super().__init__(message)
        self.format = format


class ImageTooLargeError(InvalidImageError):
    """The image has more pixels than the configured limit (refused before decoding).

    Attributes
    ----------
    width, height : int
        Size of the image as displayed (after EXIF orientation), in pixels.
    max_pixels : int
        The limit it exceeds.
    info : peel.header.ImageInfo
        Everything its header says.
    """

    code = "too-large"

    def __init__(self, message, *, width, height, max_pixels, info=None):
        super().__init__(message)
        self.width = width
        self.height = height
        self.max_pixels = max_pixels
        self.info = info


class NoSubjectError(InvalidImageError):
    """The cut-out has no subject: every pixel is (nearly) transparent (see peel.product).

    The message is meant for the user as is ("No subject found...").
    """

    code = "no-subject"


__all__ += ["EmptyFileError", "NotAnImageError", "UnsupportedFormatError", "CorruptImageError", "ImageTooLargeError",
            "NoSubjectError", "all_errors"]


# --- Errors about a model file (a user's own ONNX file, or one of rembg's; peel.models.recognise). ---
# Each message names how the caller gave the file (``--model-file x.onnx``, ``model_files``...).


class ModelFileError(PeelError, ValueError):
    """A model file cannot be used: base class of the errors below."""

    code = "bad-model-file"


class NotOnnxError(ModelFileError):
    """The file is not an ONNX model (no protobuf ModelProto with a graph)."""

    code = "not-onnx"


class NotSegmentationModelError(ModelFileError):
    """An ONNX model, but not one image in, one mask out: the message says what was found."""

    code = "not-segmentation-model"


class UnknownModelFamilyError(ModelFileError):
    """A segmentation model whose family (its preprocessing) cannot be told from the file."""

    code = "unknown-model-family"


class ModelTooLargeError(ModelFileError):
    """The file is larger than the memory it may take; refused before it is loaded.

    Attributes
    ----------
    size, limit : int
        The file's size and the limit, in bytes.
    """

    code = "model-too-large"

    def __init__(self, message, *, size, limit):
        super().__init__(message)
        self.size = size
        self.limit = limit


class ModelNotFoundError(ModelFileError, LookupError):
    """A model name that is neither built in nor a file found where rembg keeps its models."""

    code = "model-not-found"


class ModelChecksumError(ModelFileError):
    """A file under a rembg model's name whose md5 is not the one rembg publishes for it."""

    code = "model-checksum"


class ModelSessionError(ModelFileError):
    """The runtime (onnxruntime) could not create a session from the file; its reason is kept."""

    code = "model-session-failed"


__all__ += ["ModelFileError", "NotOnnxError", "NotSegmentationModelError", "UnknownModelFamilyError",
            "ModelTooLargeError", "ModelNotFoundError", "ModelChecksumError", "ModelSessionError"]


def all_errors() -> list[type[PeelError]]:
    """PeelError and every subclass with a code of its own, in definition order.

    The build writes their codes for the JavaScript side (``js/shared/contract.js``).

    >>> [error.code for error in all_errors()][:3]
    ['peel-error', 'invalid-argument', 'invalid-image']
    """
    found, seen = [], set()
    for value in globals().values():
        if isinstance(value, type) and issubclass(value, PeelError) and value.code not in seen:
            seen.add(value.code)
            found.append(value)
    return found
