"""The channel: what a folder's page and feed say of the whole folder, from options, its feed.yaml or the defaults."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pilates_audio.errors import InputError
from pilates_audio.format.keys import COVER_TYPES

SETTINGS_NAME = "feed.yaml"  # the channel's title, author, description and image, in the folder
DEFAULT_TITLE = "Pilates sessions"
DEFAULT_AUTHOR = "pilates-audio"
DEFAULT_DESCRIPTION = "Guided Pilates sessions made with pilates-audio."
CHANNEL_KEYS = ("title", "author", "description", "image")
IMAGE_TYPES = tuple(COVER_TYPES)  # a channel's image is of a type a routine's cover may be


@dataclass(frozen=True)
class Channel:
    """What the feed and the page say of the whole folder."""

    title: str = DEFAULT_TITLE
    author: str = DEFAULT_AUTHOR
    description: str = DEFAULT_DESCRIPTION
    image: str | None = None  # a file name in the folder, or an http(s) address


def _image_problem(value: str, folder: Path) -> str | None:
    """Say what is wrong with a channel image (a file in the folder or an address), if anything."""
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc:
        return None
    if "/" in value or "\\" in value or value.startswith(".") or Path(value).suffix.lower() not in IMAGE_TYPES:
        return (f"must be a JPEG or PNG file in the folder (.jpg, .jpeg or .png) or an http:// or https:// address, "
                f"not '{value}'")
    if not (folder / value).is_file():
        return f"'{value}' is not a file in {folder}"
    return None


def channel_file(folder: Path) -> dict[str, str]:
    """Read the folder's feed.yaml, if it has one: the channel settings it gives."""
    from pilates_audio.errors import Problem, ValidationError
    from pilates_audio.format import yamlsrc

    path = folder / SETTINGS_NAME
    if not path.exists():
        return {}
    display = str(path)
    problems: list[Problem] = []
    root = yamlsrc.load(path, display, problems)
    values: dict[str, str] = {}
    if root is not None and not root.is_mapping:
        problems.append(Problem(display, root.line, root.column,
                                "must be a mapping of title, author, description and image, such as "
                                "{title: Morning Mat, author: Sam Lee}"))
    elif root is not None:
        yamlsrc.check_keys(root, CHANNEL_KEYS, SETTINGS_NAME, display, problems)
        for key, node in root.value.items():
            if key not in CHANNEL_KEYS:
                continue
            if not isinstance(node.value, str) or node.is_mapping or node.is_list:
                problems.append(Problem(display, node.line, node.column,
                                        f"{key} must be text, not {yamlsrc.kind(node)}"))
            elif not node.value.strip():
                problems.append(Problem(display, node.line, node.column, f"{key} must not be empty"))
            elif key == "image" and (problem := _image_problem(node.value, folder)):
                problems.append(Problem(display, node.line, node.column, f"image {problem}"))
            else:
                values[key] = node.value.strip()
    if problems:
        raise ValidationError(problems)
    return values


def channel_settings(folder: Path, options: dict[str, str | None] | None = None) -> Channel:
    """Return the channel settings: options given, then the folder's feed.yaml, then the defaults."""
    chosen = {key: value for key, value in (options or {}).items() if value is not None}
    image = chosen.get("image")
    if image is not None and (problem := _image_problem(image, folder)):
        raise InputError(f"--image {problem}")
    return Channel(**{**channel_file(folder), **chosen})
