"""Read YAML keeping the line of every key and list item, so errors can name them.

PyYAML does the parsing (its safe loader: no tags that build objects); this module only swaps its
mapping and sequence containers for ones that remember where each entry stood, and refuses duplicate
keys (which PyYAML would otherwise silently overwrite), keys that are lists or mappings, text that cannot
be written to a file name or a terminal (control characters, lone surrogates), and files a scenario never
needs and a hostile one would use to exhaust memory: larger than MAX_BYTES, nested deeper than MAX_DEPTH,
or whose aliases expand to more than MAX_NODES values (a "billion laughs").

What YAML allows is read as YAML defines it: a merge key's entries are overridden by the mapping's own
(``{<<: *base, concurrency: 2}``), and files in UTF-8, UTF-16 or UTF-32 are recognised by their
byte-order mark or, without one, by the pattern of zero bytes the YAML 1.2 specification gives (5.2).
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import yaml

from simulator.errors import InputError, Problem, ScenarioError


MAX_BYTES = 5_000_000      # a scenario file (the biggest shipped one is under 10 kB)
MAX_DEPTH = 40             # nested mappings and lists (the shipped scenarios use 6)
MAX_NODES = 200_000        # values once every alias is expanded

# control characters (but tab, line feed and carriage return) and lone surrogates: they cannot be written to
# a file name or shown on a terminal as they are; a name carrying them is a typo or an attack
UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlMap(dict):
    """A YAML mapping that knows the line of each key (1-based)."""

    line: int = 0
    key_lines: dict


class YamlList(list):
    """A YAML sequence that knows the line of each item (1-based)."""

    line: int = 0
    item_lines: list


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that builds YamlMap/YamlList and records duplicate keys."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: list[tuple[int, object]] = []
        self.unhashable: list[int] = []
        self.own_pairs: dict[int, int] = {}     # id of a mapping node -> its pairs other than merge keys


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> YamlMap:
    """The mapping, merge keys resolved as YAML defines them: the mapping's own entries override merged
    ones, and of several merged mappings the first that gives a key wins; a key the mapping itself gives
    twice is an error."""
    own = loader.own_pairs.get(id(node), len(node.value))
    loader.flatten_mapping(node)          # merged pairs first, then the mapping's own
    merged = len(node.value) - own
    result = YamlMap()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    own_keys = set()
    for index, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:            # a list or mapping as a key: never a name
            loader.unhashable.append(key_node.start_mark.line + 1)
            continue
        if index < merged:
            if key in result:
                continue
        elif key in own_keys:
            loader.duplicates.append((key_node.start_mark.line + 1, key))
        else:
            own_keys.add(key)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_list(loader: _LineLoader, node: yaml.SequenceNode) -> YamlList:
    result = YamlList(loader.construct_object(item, deep=True) for item in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [item.start_mark.line + 1 for item in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_list)


def parse_yaml_text(text: str, file_label: str) -> object:
    """Parse YAML text into YamlMap/YamlList/scalars; a syntax error becomes a ScenarioError."""
    if len(text) > MAX_BYTES:
        raise ScenarioError([Problem(file_label, None, "", f"is {len(text):,} characters long; a scenario file may "
                                                            f"have at most {MAX_BYTES:,}")])
    try:
        loader = _LineLoader(text)     # its reader refuses control characters (a NUL byte) at once
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(file_label, None, "", f"not valid YAML: {exc}")]) from None
    try:
        node = loader.get_single_node()
        if node is not None:
            _check_size(node, file_label, loader.own_pairs)
        data = loader.construct_document(node) if node is not None else None
    except RecursionError:
        raise ScenarioError([Problem(file_label, None, "", f"is nested too deeply (at most {MAX_DEPTH} levels)")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ScenarioError([Problem(file_label, line, "", f"not valid YAML: {exc.problem or exc}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(file_label, None, "", f"not valid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    if loader.unhashable:
        raise ScenarioError([Problem(file_label, line, "", "a key must be a name or a number, not a list or mapping")
                             for line in loader.unhashable])
    if loader.duplicates:
        raise ScenarioError([
            Problem(file_label, line, str(key), "this key is given twice; give it once")
            for line, key in loader.duplicates
        ])
    return data


def _check_size(root: yaml.Node, file_label: str, own_pairs: dict[int, int]) -> None:
    """Refuse a document nested deeper than MAX_DEPTH, expanding to more than MAX_NODES values, or with
    text that cannot be written (UNWRITABLE). The node graph shares aliased nodes, so sizes are counted
    once per node (memoised), never expanded. Notes each mapping's own pairs (not merge keys) on the way,
    before construction flattens the merges."""
    sizes: dict[int, int] = {}
    line = root.start_mark.line + 1

    def size(node: yaml.Node, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise ScenarioError([Problem(file_label, node.start_mark.line + 1, "",
                                         f"is nested too deeply (at most {MAX_DEPTH} levels)")])
        if id(node) in sizes:
            return sizes[id(node)]
        sizes[id(node)] = 1               # a node that refers to itself counts once
        if isinstance(node, yaml.MappingNode):
            own_pairs[id(node)] = sum(1 for key, _ in node.value if key.tag != MERGE_TAG)
            total = 1 + sum(size(k, depth + 1) + size(v, depth + 1) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(item, depth + 1) for item in node.value)
        else:
            total = 1
            bad = UNWRITABLE.search(node.value) if isinstance(node.value, str) else None
            if bad:
                raise ScenarioError([Problem(file_label, node.start_mark.line + 1, "", _unwritable(node.value, bad))])
        if total > MAX_NODES:
            raise ScenarioError([Problem(file_label, line, "", f"expands to more than {MAX_NODES:,} values "
                                                               "(aliases repeated inside aliases?)")])
        sizes[id(node)] = total
        return total

    size(root, 0)


def _unwritable(text: str, found: re.Match) -> str:
    character = found.group()
    what = "a lone surrogate" if "\ud800" <= character <= "\udfff" else "a control character"
    shown = text[:found.start()].encode("ascii", "backslashreplace").decode()[-30:]
    return (f"text may not contain {what} ({ascii(character)[1:-1]}, after {shown!r}): it cannot be written to "
            "a file name or shown on a terminal")


def decode_yaml_bytes(data: bytes) -> str:
    """The text of a YAML file in UTF-8, UTF-16 or UTF-32: by its byte-order mark or, without one, by the
    zero bytes of its first character (YAML 1.2, 5.2); raises UnicodeDecodeError for other bytes."""
    for mark, encoding in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                           (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
                           (codecs.BOM_UTF8, "utf-8-sig")):
        if data.startswith(mark):
            return data.decode(encoding)
    head = data[:4]
    if len(head) == 4 and head[:3] == b"\0\0\0":
        return data.decode("utf-32-be")
    if len(head) == 4 and head[1:] == b"\0\0\0":
        return data.decode("utf-32-le")
    if len(head) >= 2 and head[0] == 0:
        return data.decode("utf-16-be")
    if len(head) >= 2 and head[1] == 0:
        return data.decode("utf-16-le")
    return data.decode("utf-8")


def read_yaml_file(path: Path) -> object:
    """Read and parse a YAML file; missing, unreadable and empty files are input errors."""
    label = str(path)
    if not path.exists():
        raise InputError(f"{label}: no such file")
    if path.is_dir():
        raise InputError(f"{label}: is a folder, not a scenario file")
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputError(f"{label}: is {path.stat().st_size:,} bytes; a scenario file may have at most "
                             f"{MAX_BYTES:,}")
        text = decode_yaml_bytes(path.read_bytes())
    except OSError as exc:
        raise InputError(f"{label}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{label}: cannot be read as UTF-8, UTF-16 or UTF-32 text ({exc.reason} at byte "
                         f"{exc.start}); save it as UTF-8") from None
    data = parse_yaml_text(text, label)
    if data is None:
        raise InputError(f"{label}: the file is empty; a scenario needs at least demand, processes and staff")
    return data
