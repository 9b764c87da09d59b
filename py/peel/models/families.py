"""Model families: how each kind of segmentation network wants its input and gives its output.

A family is what Peel needs to run a model file it did not ship: the input size, the
normalisation and what to make of the first output. The numbers are rembg's
(``rembg/sessions/*.py``), so a rembg model file gives here the mask rembg gives:

=========  ==========  =====================================  ===================  ==============
family     input       normalisation (after dividing by the   first output         rembg models
                       resized image's maximum)
=========  ==========  =====================================  ===================  ==============
u2net      320 × 320   ImageNet mean and std                  min–max              u2net, u2netp,
                                                                                   u2net_human_seg,
                                                                                   silueta
isnet      1024 × 1024 mean 0.5 (general use; 0.485, 0.456,   min–max              isnet-general-use,
                       0.406 for anime), std 1                                     isnet-anime
birefnet   1024 × 1024 ImageNet mean and std                  sigmoid, then        birefnet-*
                                                              min–max
modnet     MODNet's    [-1, 1], area resize                   clipped (an alpha    (Peel's own
           own rule                                           matte already)       ``modnet``)
=========  ==========  =====================================  ===================  ==============

Every image is resized to the square input with Pillow's LANCZOS, as rembg's
``BaseSession.normalize`` does (:func:`peel.preprocess.prepare_input`).

Stdlib only at import, like the rest of ``peel.models`` (the build reads the declarations).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidArgumentError

__all__ = ["Family", "FAMILIES", "FAMILY_NAMES", "get_family", "IMAGENET_MEAN", "IMAGENET_STD"]

#: rembg's ImageNet statistics (the same as peel.preprocess's; repeated: that module needs numpy).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class Family:
    """One family of segmentation networks.

    Attributes
    ----------
    name : str
        ``u2net``, ``isnet``, ``birefnet`` or ``modnet`` (the ``--model-family`` values).
    label : str
        What people read.
    size : int or None
        Side of the square input in pixels; None for MODNet (its input follows the photo).
    mean, std : tuple of 3 floats
        Normalisation after the division by the maximum (unused by MODNet).
    output : str
        What the first output is: ``"saliency"`` (min–max normalised), ``"logits"`` (sigmoid,
        then min–max) or ``"matte"`` (an alpha already, clipped to [0, 1]).
    """

    name: str
    label: str
    size: int | None
    mean: tuple = IMAGENET_MEAN
    std: tuple = IMAGENET_STD
    output: str = "saliency"

    @property
    def kind(self) -> str:
        """The model ``KIND`` (peel.models): ``"matte"`` for MODNet, ``"saliency"`` otherwise."""
        return "matte" if self.output == "matte" else "saliency"

    def input_shape(self, height, width, *, size=None):
        """The (1, 3, h, w) input for an image of this size (``size`` overrides the square side)."""
        if self.size is None:
            from . import modnet

            return modnet.input_shape(height, width)
        side = size or self.size
        return (1, 3, side, side)

    def prepare_input(self, rgba, *, size=None, mean=None, std=None):
        """The model input of an image, as rembg makes it for this family.

        Parameters
        ----------
        rgba : numpy.ndarray
            (H, W, 4) uint8; the alpha channel is ignored. Not modified.
        size : int, optional
            Square side other than the family's (a graph edited to accept it).
        mean, std : tuple of 3 floats, optional
            A model's own normalisation, where it differs from its family's (isnet-anime).

        Returns
        -------
        tensor : numpy.ndarray
            (1, 3, h, w) float32.
        """
        if self.size is None:
            from . import modnet

            return modnet.prepare_input(rgba)
        from ..preprocess import prepare_input

        return prepare_input(rgba, size=size or self.size, mean=mean or self.mean, std=std or self.std)

    def to_mask(self, prediction):
        """The (h, w) float32 mask in [0, 1] from the model's first output, (1, 1, h, w)."""
        from ..mask import clip_matte, normalize_logits, normalize_prediction

        convert = {"saliency": normalize_prediction, "logits": normalize_logits, "matte": clip_matte}[self.output]
        return convert(prediction)


#: name -> Family.
FAMILIES = {family.name: family for family in (
    Family("u2net", "U²-Net", 320),
    # The DIS authors' mean (0.5) with std 1, as rembg's isnet-general-use since 2025; rembg keeps
    # (0.485, 0.456, 0.406) for isnet-anime (peel.models.rembg).
    Family("isnet", "ISNet (DIS)", 1024, mean=(0.5, 0.5, 0.5), std=(1.0, 1.0, 1.0)),
    Family("birefnet", "BiRefNet", 1024, output="logits"),
    Family("modnet", "MODNet", None, output="matte"),
)}
FAMILY_NAMES = tuple(FAMILIES)


def get_family(name, *, flag="model family"):
    """The Family called ``name``; InvalidArgumentError naming ``flag`` for an unknown one.

    >>> get_family("isnet").size
    1024
    """
    try:
        return FAMILIES[name]
    except (KeyError, TypeError):
        raise InvalidArgumentError(f"{flag} must be one of {', '.join(FAMILY_NAMES)}, got {name!r}") from None
