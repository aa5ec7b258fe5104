"""The SCORM Cloud contract, read from Rustici's official generated client (5.0.0).

* :func:`official_operations` parses every ``*_with_http_info`` method of
  ``rustici_software_cloud_v2/api/*.py``: path template, HTTP method, query parameters (with
  their documented types), multipart parts, body model and response model.
* :func:`schema_errors` checks a JSON document against a model strictly: the generated
  deserializer drops unknown keys and (in 5.0.0) checks enums only in docstrings, so this walks
  ``swagger_types``/``attribute_map`` itself: no unknown field, required fields present, enum
  values within ``allowed_values``, JSON types matching.
* :func:`official_deserialize` runs the official client's own deserializer as well.
"""

from __future__ import annotations

import ast
import inspect
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import rustici_software_cloud_v2.api
import rustici_software_cloud_v2.models as models
from dateutil.parser import isoparse
from rustici_software_cloud_v2.api_client import ApiClient

API_DIR = Path(rustici_software_cloud_v2.api.__file__).parent


@dataclass(frozen=True)
class Operation:
    name: str
    method: str
    path: str
    query: dict[str, str]  # JSON name -> documented Python type ("bool", "str", ...)
    form: frozenset[str]
    files: frozenset[str]
    body_type: str | None
    response_type: str | None

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(self.path)) + "$")

    @property
    def static(self) -> bool:
        return "{" not in self.path


def _param_types(docstring: str) -> dict[str, str]:
    """``:param bool include_runtime: ...`` -> {"include_runtime": "bool"}."""
    return {name: kind for kind, name in re.findall(r":param ([\w\[\]]+) (\w+):", docstring)}


def _operation(function: ast.FunctionDef) -> Operation | None:
    types = _param_types(ast.get_docstring(function) or "")
    path = method = response_type = body_param = None
    query: dict[str, str] = {}
    form: set[str] = set()
    files: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "call_api":
                path, method = node.args[0].value, node.args[1].value  # type: ignore[attr-defined]
                for keyword in node.keywords:
                    if keyword.arg == "response_type" and isinstance(keyword.value, ast.Constant):
                        response_type = keyword.value.value
            elif (
                node.func.attr == "append"
                and isinstance(node.func.value, ast.Name)
                and node.args
                and isinstance(node.args[0], ast.Tuple)
            ):
                json_name = node.args[0].elts[0].value  # type: ignore[attr-defined]
                python_name = node.args[0].elts[1].slice.value  # type: ignore[attr-defined]  # params['x']
                if node.func.value.id == "query_params":
                    query[json_name] = types.get(python_name, "")
                elif node.func.value.id == "form_params":
                    form.add(json_name)
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
            target = node.targets[0]
            if isinstance(target.value, ast.Name) and target.value.id == "local_var_files":
                files.add(target.slice.value)  # type: ignore[attr-defined]
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "body_params"
            and isinstance(node.value, ast.Subscript)
        ):
            body_param = node.value.slice.value  # type: ignore[attr-defined]
    if path is None or method is None:
        return None
    return Operation(
        name=function.name.removesuffix("_with_http_info"),
        method=method,
        path=path,
        query=query,
        form=frozenset(form),
        files=frozenset(files),
        body_type=types.get(body_param) if body_param else None,
        response_type=response_type,
    )


@cache
def official_operations() -> tuple[Operation, ...]:
    operations = []
    for source in sorted(API_DIR.glob("*_api.py")):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.endswith("_with_http_info"):
                operation = _operation(node)
                if operation is not None:
                    operations.append(operation)
    return tuple(operations)


def find_operation(method: str, path: str) -> Operation | None:
    """The official operation for a concrete request path (``/registrations/abc``); static
    paths win over templated ones (``/registrations/postBackTest``)."""
    candidates = [
        op for op in official_operations() if op.method == method and op.pattern.match(path)
    ]
    candidates.sort(key=lambda op: (not op.static, op.path.count("{")))
    return candidates[0] if candidates else None


# Models --------------------------------------------------------------------------------------

_PRIMITIVES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "object": (object,),
}


def _model(name: str) -> type:
    return getattr(models, name)


def _enum_values(model: type) -> list[str] | None:
    """Enum models (RegistrationCompletion...) have no fields, only upper-case constants."""
    if model.swagger_types:
        return None
    return [value for key, value in vars(model).items() if key.isupper() and isinstance(value, str)]


@cache
def _allowed_values(model: type, attribute: str) -> tuple[str, ...] | None:
    setter = getattr(model, attribute).fset
    match = re.search(r"allowed_values = \[([^\]]*)\]", inspect.getdoc(setter) or "")
    return tuple(re.findall(r'"([^"]*)"', match.group(1))) if match else None


@cache
def required_fields(model: type) -> frozenset[str]:
    """JSON names whose generated setter refuses None."""
    return frozenset(
        model.attribute_map[attribute]
        for attribute in model.swagger_types
        if "must not be `None`" in inspect.getsource(getattr(model, attribute).fset)
    )


def schema_errors(data: Any, type_name: str, where: str = "$") -> list[str]:
    """Every way ``data`` breaks the official type ``type_name``; empty when it conforms."""
    if data is None:
        return []
    if type_name.startswith("list["):
        if not isinstance(data, list):
            return [f"{where}: expected a list"]
        inner = type_name[5:-1]
        return [
            error
            for i, item in enumerate(data)
            for error in schema_errors(item, inner, f"{where}[{i}]")
        ]
    if type_name.startswith("dict("):
        inner = re.match(r"dict\(([^,]*), (.*)\)", type_name).group(2)  # type: ignore[union-attr]
        if not isinstance(data, dict):
            return [f"{where}: expected an object"]
        return [
            error
            for key, value in data.items()
            for error in schema_errors(value, inner, f"{where}.{key}")
        ]
    if type_name in _PRIMITIVES:
        ok = isinstance(data, _PRIMITIVES[type_name]) and not (
            type_name in ("int", "float") and isinstance(data, bool)
        )
        return [] if ok else [f"{where}: expected {type_name}, got {type(data).__name__}"]
    if type_name in ("datetime", "date"):
        try:
            isoparse(data)
        except (TypeError, ValueError):
            return [f"{where}: expected an ISO-8601 {type_name}, got {data!r}"]
        return []
    model = _model(type_name)
    enum = _enum_values(model)
    if enum is not None:
        return [] if data in enum else [f"{where}: {data!r} is not one of {enum}"]
    if not isinstance(data, dict):
        return [f"{where}: expected a {type_name} object"]
    json_to_attribute = {
        json_name: attribute for attribute, json_name in model.attribute_map.items()
    }
    errors = [
        f"{where}.{key}: not a field of {type_name}" for key in data if key not in json_to_attribute
    ]
    errors += [
        f"{where}.{key}: required by {type_name}"
        for key in required_fields(model)
        if data.get(key) is None
    ]
    for key, value in data.items():
        attribute = json_to_attribute.get(key)
        if attribute is None or value is None:
            continue
        allowed = _allowed_values(model, attribute)
        if allowed is not None and value not in allowed:
            errors.append(f"{where}.{key}: {value!r} is not one of {list(allowed)}")
        errors += schema_errors(value, model.swagger_types[attribute], f"{where}.{key}")
    return errors


def official_deserialize(data: Any, type_name: str) -> Any:
    """The official client's own deserializer (raises on required fields, bad dates...)."""
    return ApiClient()._ApiClient__deserialize(data, type_name)  # type: ignore[attr-defined]
