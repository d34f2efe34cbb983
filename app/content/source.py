"""Reading YAML and front-matter files while remembering the line of every key and item.

Trainers edit these files by hand, so every error must point at a file and a line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class ContentError:
    """One problem in one file, at one line (1-based; 0 when it concerns the whole file)."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file}:{self.line}: {self.message}"
            if self.line
            else f"{self.file}: {self.message}"
        )


class ContentInvalid(Exception):
    """The content has errors; nothing of it may be served."""

    def __init__(self, errors: list[ContentError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


@dataclass(frozen=True)
class Located:
    """Parsed YAML with the 1-based line of every mapping key and sequence item."""

    data: Any
    lines: dict[Path_, int]
    first_line: int

    def line(self, *path: str | int) -> int:
        """The line of a key or item, falling back to its nearest located parent."""
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, self.first_line)


def _index_lines(node: yaml.Node, path: Path_, lines: dict[Path_, int], offset: int) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, key.value)
            lines[child] = key.start_mark.line + 1 + offset
            _index_lines(value, child, lines, offset)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            lines[child] = item.start_mark.line + 1 + offset
            _index_lines(item, child, lines, offset)


# libyaml's parser where PyYAML was built with it (the wheels are): it reads the content several
# times faster than the pure-Python one, and every process that starts the app reads it all.
_FastSafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SafeLoader(_FastSafeLoader):  # type: ignore[misc,valid-type]
    """The safe loader, whose impossible dates (2026-02-30, year 0) are errors at their line.

    YAML reads anything shaped like a date as one, and Python's date then refuses the day with
    a ValueError that names no file or line.
    """

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as error:
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a real date ({error})", node.start_mark
            ) from None


_SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _SafeLoader.construct_yaml_timestamp)


def _compose_and_construct(text: str) -> tuple[yaml.Node | None, Any]:
    """Parse once: the node tree (for line numbers) and the data built from that same tree."""
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def read_bytes(path: Path, file: str) -> bytes:
    """A content file's bytes; ContentInvalid naming the file when it cannot be read (a folder
    standing where the file belongs, say)."""
    try:
        return path.read_bytes()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ContentInvalid([ContentError(file, 0, f"cannot be read ({reason})")]) from None


def decoded(raw: bytes, file: str) -> str:
    """The bytes as UTF-8 text; ContentInvalid at the line of the first byte that is not, since
    an editor may have saved the file in another encoding."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ContentInvalid(
            [ContentError(file, line, "is not UTF-8 text: save the file as UTF-8")]
        ) from None


def read_text(path: Path, file: str) -> str:
    """A content file's text with every line ending read as one newline, as text mode reads it."""
    text = decoded(read_bytes(path, file), file)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_yaml(text: str, file: str, offset: int = 0) -> Located:
    """YAML text into data and line numbers; raises ContentInvalid on a syntax error."""
    try:
        node, data = _compose_and_construct(text)
        lines: dict[Path_, int] = {}
        if node is not None:
            _index_lines(node, (), lines, offset)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 + offset if mark else offset + 1
        raise ContentInvalid(
            [ContentError(file, line, f"not valid YAML: {getattr(error, 'problem', error)}")]
        ) from None
    except RecursionError:  # an anchor whose alias sits inside itself (&a [*a])
        raise ContentInvalid(
            [ContentError(file, offset + 1, "not valid YAML here: an alias refers to itself")]
        ) from None
    return Located(data, lines, offset + 1)


def parse_yaml_file(path: Path, file: str) -> Located:
    """A whole YAML file, read and parsed, every problem naming the file."""
    return parse_yaml(read_text(path, file), file)


@dataclass(frozen=True)
class FrontMatterFile:
    """A Markdown file with a YAML header: the header, the body, and where the body starts."""

    header: Located
    body: str
    body_first_line: int


def read_front_matter(path: Path, file: str) -> FrontMatterFile:
    """Split `---` front matter from the Markdown body, keeping file line numbers."""
    lines = read_text(path, file).splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise ContentInvalid(
            [ContentError(file, 1, "must start with a `---` line opening the front matter")]
        )
    closing = next((i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---"), None)
    if closing is None:
        raise ContentInvalid(
            [ContentError(file, 1, "the front matter is never closed by a `---` line")]
        )
    header = parse_yaml("".join(lines[1:closing]), file, offset=1)
    return FrontMatterFile(header, "".join(lines[closing + 1 :]), closing + 2)


class Checker:
    """Collects errors for one file instead of stopping at the first."""

    def __init__(self, file: str, located: Located, errors: list[ContentError]) -> None:
        self.file, self.located, self.errors = file, located, errors

    def error(self, message: str, *path: str | int) -> None:
        self.errors.append(ContentError(self.file, self.located.line(*path), message))

    def keys(self, mapping: Any, allowed: set[str], required: set[str], *path: str | int) -> bool:
        if not isinstance(mapping, dict):
            self.error("expected a mapping of keys to values", *path)
            return False
        for key in mapping:
            if key not in allowed:
                self.error(
                    f"unknown key `{key}` (allowed: {', '.join(sorted(allowed))})", *path, key
                )
        for key in sorted(required - set(mapping)):
            self.error(f"missing required key `{key}`", *path)
        return True

    def text(self, mapping: dict[str, Any], key: str, *path: str | int) -> str:
        value = mapping.get(key)
        if value is None:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.error(f"`{key}` must be non-empty text", *path, key)
            return ""
        return value.strip()

    def texts(
        self, mapping: dict[str, Any], key: str, low: int, high: int, *path: str | int
    ) -> tuple[str, ...]:
        value = mapping.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.error(f"`{key}` must be a list of non-empty texts", *path, key)
            return ()
        if not low <= len(value) <= high:
            wanted = f"exactly {low}" if low == high else f"{low} to {high}"
            self.error(f"`{key}` needs {wanted} entries, not {len(value)}", *path, key)
        return tuple(v.strip() for v in value)
