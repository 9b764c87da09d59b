"""The error classes: stable codes, builtin bases, messages."""

import re
from pathlib import Path

import pytest

import peel
from peel import errors

ERROR_CODES = {
    errors.PeelError: "peel-error",
    errors.InvalidArgumentError: "invalid-argument",
    errors.ArgumentTypeError: "invalid-argument",
    errors.InvalidImageError: "invalid-image",
    errors.ImageTypeError: "invalid-image",
    errors.ModelOutputError: "bad-model-output",
}


@pytest.mark.parametrize(("cls", "code"), ERROR_CODES.items(), ids=lambda v: getattr(v, "__name__", v))
def test_code_is_stable_kebab_case(cls, code):
    assert cls.code == code
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", cls.code)
    error = cls("something is wrong")
    assert error.code == code
    assert error.message == str(error) == "something is wrong"
    assert isinstance(error, errors.PeelError)


@pytest.mark.parametrize(
    ("cls", "builtins"),
    [
        (errors.InvalidArgumentError, (ValueError,)),
        (errors.ArgumentTypeError, (ValueError, TypeError)),
        (errors.InvalidImageError, (ValueError,)),
        (errors.ImageTypeError, (ValueError, TypeError)),
        (errors.ModelOutputError, (ValueError,)),
    ],
)
def test_inherits_matching_builtin(cls, builtins):
    for builtin in builtins:
        assert issubclass(cls, builtin)
    with pytest.raises(builtins[-1]):
        raise cls("x")


def test_errors_are_exported():
    for cls in ERROR_CODES:
        assert getattr(peel, cls.__name__) is cls
        assert cls.__name__ in errors.__all__


def test_every_code_an_image_can_fail_with_is_in_the_formats_table():
    readme = (Path(__file__).resolve().parents[2] / "docs" / "formats.md").read_text()
    for cls in errors.all_errors():
        if issubclass(cls, errors.InvalidImageError) and cls is not errors.InvalidImageError:
            assert f"error `{cls.code}`" in readme, cls.__name__


def test_all_errors_lists_each_code_once():
    codes = [cls.code for cls in errors.all_errors()]
    assert len(codes) == len(set(codes))
    assert {"no-subject", "too-large", "corrupt-image", "invalid-argument"} <= set(codes)
