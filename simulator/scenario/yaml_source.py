"""Read YAML keeping the line of every key and list item, so errors can name them.

PyYAML does the parsing; this module only swaps its mapping and sequence
containers for ones that remember where each entry stood, and refuses
duplicate keys (which PyYAML would otherwise silently overwrite).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from simulator.errors import InputError, Problem, ScenarioError


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


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> YamlMap:
    loader.flatten_mapping(node)
    result = YamlMap()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            loader.duplicates.append((key_node.start_mark.line + 1, key))
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
    loader = _LineLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ScenarioError([Problem(file_label, line, "", f"not valid YAML: {exc.problem or exc}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(file_label, None, "", f"not valid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    if loader.duplicates:
        raise ScenarioError([
            Problem(file_label, line, str(key), "this key is given twice; give it once")
            for line, key in loader.duplicates
        ])
    return data


def read_yaml_file(path: Path) -> object:
    """Read and parse a YAML file; missing, unreadable and empty files are input errors."""
    label = str(path)
    if not path.exists():
        raise InputError(f"{label}: no such file")
    if path.is_dir():
        raise InputError(f"{label}: is a folder, not a scenario file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{label}: cannot be read ({exc})") from None
    data = parse_yaml_text(text, label)
    if data is None:
        raise InputError(f"{label}: the file is empty; a scenario needs at least demand, processes and staff")
    return data
