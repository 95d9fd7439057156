"""Cases in REFI-QDA: attributes as typed ``Variables``, each case with its
``VariableValue``\\ s, the documents it holds whole (``SourceRef``) and the units that
belong to it (``SelectionRef`` to the unit's ``PlainTextSelection``)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from decimal import Decimal

from lxml import etree

from codage.domain import AttributeValue, Case, format_attribute
from codage.exchange.refi_common import PROJECT_NS, PROJECT_NSMAP, Guids, XmlText
from codage.services.project_records import ProjectRecords

__all__ = ["case_elements", "variable_types", "variables_element"]

_P = f"{{{PROJECT_NS}}}"


def _kind(value: AttributeValue) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float) and math.isfinite(value):
        return "Float"
    return "Text"


def variable_types(cases: Sequence[Case]) -> dict[str, str]:
    """Each attribute name (sorted) with its REFI-QDA type: Boolean, Integer or Float when
    every value of it is one, Float for integers mixed with decimals, Text otherwise."""
    kinds: dict[str, set[str]] = defaultdict(set)
    for case in cases:
        for name, value in case.attributes.items():
            if value is not None:
                kinds[name].add(_kind(value))
            else:
                kinds.setdefault(name, set())
    out: dict[str, str] = {}
    for name in sorted(kinds):
        found = kinds[name]
        if len(found) == 1:
            out[name] = next(iter(found))
        elif found == {"Integer", "Float"}:
            out[name] = "Float"
        else:
            out[name] = "Text"
    return out


def variables_element(cases: Sequence[Case], guids: Guids, clean: XmlText) -> etree._Element | None:
    """The project's ``Variables``, or None when no case has an attribute."""
    types = variable_types(cases)
    if not types:
        return None
    variables = etree.Element(f"{_P}Variables", nsmap=PROJECT_NSMAP)
    for name, kind in types.items():
        etree.SubElement(
            variables,
            f"{_P}Variable",
            guid=guids("variable", name),
            name=clean(name),
            typeOfVariable=kind,
        )
    return variables


def _value(kind: str, value: AttributeValue) -> tuple[str, str]:
    if kind == "Boolean":
        return "BooleanValue", "true" if value else "false"
    if kind == "Integer":
        return "IntegerValue", str(value)
    if kind == "Float":
        # xsd:decimal has no exponent: 1e-05 is written 0.00001; an integer stays one
        number = value if isinstance(value, int | float) else 0
        return "FloatValue", format(Decimal(repr(number)), "f")
    return "TextValue", format_attribute(value)


def case_elements(
    records: ProjectRecords, guids: Guids, clean: XmlText
) -> Iterator[etree._Element]:
    """One ``Case`` element per case, in the records' order (by name).

    An attribute without a value (None) has no ``VariableValue``: REFI-QDA has no empty
    value, and a missing one reads back as no value.
    """
    types = variable_types(records.cases)
    sources: dict[str, list[str]] = defaultdict(list)
    for doc in records.documents:
        if doc.case is not None:
            sources[doc.case].append(guids("document", doc.id))
    selections: dict[str, list[str]] = defaultdict(list)
    for unit in records.unit_cases:
        selections[unit.case].append(guids("unit", unit.unit_id))
    for case in records.cases:
        element = etree.Element(
            f"{_P}Case",
            guid=guids("case", case.id),
            name=clean(case.name),
            nsmap=PROJECT_NSMAP,
        )
        for name in sorted(case.attributes):
            value = case.attributes[name]
            if value is None:
                continue
            holder = etree.SubElement(element, f"{_P}VariableValue")
            etree.SubElement(holder, f"{_P}VariableRef", targetGUID=guids("variable", name))
            tag, text = _value(types[name], value)
            etree.SubElement(holder, f"{_P}{tag}").text = clean(text)
        for guid in sources.get(case.name, ()):
            etree.SubElement(element, f"{_P}SourceRef", targetGUID=guid)
        for guid in selections.get(case.name, ()):
            etree.SubElement(element, f"{_P}SelectionRef", targetGUID=guid)
        yield element
