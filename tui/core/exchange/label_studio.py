"""Label Studio's JSON tasks, written and read back: named-entity spans over a text.

Written: a list of tasks, one per document with tagged passages in its current text:
``{"data": {"text", "document", "title"}, "meta": spans.about(doc), "annotations": [...],
"predictions": [...]}``. Each annotator's reviewed passages are one Label Studio annotation
(``completed_by`` the annotator, or ``UNKNOWN_ANNOTATOR`` for passages made before lectern
recorded one); suggested passages are a prediction per annotator (``model_version``). Each
passage is one result ``{"id": its lectern id, "from_name": "label", "to_name": "text", "type":
"labels", "value": {"start", "end", "text", "labels": its tags}}``, its note in the region's
``meta.text`` (what Label Studio shows as a region's meta) and its colour and times under
``lectern``. A labelling config that loads it: ``<View><Labels name="label" toName="text">
<Label value="..."/></Labels><Text name="text" value="$text"/></View>``.

Read: such tasks from lectern or Label Studio (``completions`` as older versions called them):
results of type ``labels``, their offsets checked against the text (offsets a browser counted in
UTF-16 units are recognised by the ``text`` beside them), a per-region ``textarea`` as the note;
``completed_by`` (a name, a user id, or a user with an email) is the annotator, predictions are
suggestions, cancelled annotations are skipped, and other kinds of result (choices, relations)
are not passages and are left alone.
"""

from __future__ import annotations

import json
from typing import Any

from tui.core.annotations import Annotation
from tui.core.exchange import spans
from tui.core.exchange.corpus import ExportDocument
from tui.core.exchange.incoming import (
    Incoming,
    fail,
    iso_time,
    json_kind,
    json_list,
    json_object,
    start_end,
    string,
    strings,
)
from tui.core.exchange.spans import UNKNOWN_ANNOTATOR, Span

FROM_NAME = "label"
TO_NAME = "text"
SPAN_TYPE = "labels"


def write(docs: list[ExportDocument]) -> str:
    """A JSON list of tasks, one per document with tagged passages in its current text."""
    tasks = [_task(doc) for doc in docs if doc.text is not None and spans.labelled(doc, suggested=None)]
    return json.dumps(tasks, ensure_ascii=False, indent=2) + "\n"


def _task(doc: ExportDocument) -> dict[str, Any]:
    annotations, predictions = [], []
    for name, suggested, found in spans.annotators(spans.labelled(doc, suggested=None)):
        results = [_result(doc.text or "", a) for a in found]
        who = name or UNKNOWN_ANNOTATOR
        if suggested:
            predictions.append({"model_version": who, "result": results})
        else:
            annotations.append(
                {
                    "completed_by": who,
                    "result": results,
                    "was_cancelled": False,
                    "ground_truth": False,
                    "created_at": min(a.created for a in found),
                    "updated_at": max(a.modified for a in found),
                }
            )
    return {
        "data": {"text": doc.text, "document": doc.ref.id, "title": doc.ref.title},
        "meta": spans.about(doc),
        "annotations": annotations,
        "predictions": predictions,
    }


def _result(text: str, a: Annotation) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": a.id,
        "from_name": FROM_NAME,
        "to_name": TO_NAME,
        "type": SPAN_TYPE,
        "value": {"start": a.start, "end": a.end, "text": text[a.start : a.end], "labels": list(a.tags)},
    }
    if a.note:
        result["meta"] = {"text": [a.note]}
    result["lectern"] = {"color": a.color, "created": a.created, "modified": a.modified}
    return result


def left_out(docs: list[ExportDocument]) -> list[str]:
    """What the Label Studio export leaves out, one line per document."""
    return spans.left_out(docs)


def claims_list(raw: list[Any]) -> bool:
    """Whether a JSON list is Label Studio tasks (its first item has a ``data`` object)."""
    return bool(raw) and isinstance(raw[0], dict) and isinstance(raw[0].get("data"), dict)


def read_list(raw: list[Any]) -> list[Incoming]:
    """The passages of a list of Label Studio tasks."""
    found: list[Incoming] = []
    for i, entry in enumerate(raw):
        where = f"task {i}"
        task = json_object(entry, where)
        data = json_object(task.get("data"), f"{where}.data")
        meta = task.get("meta")
        about = {**data, **(meta if isinstance(meta, dict) else {})}
        source = spans.source_about(_text(data, f"{where}.data"), where, about)
        found_spans: list[Span] = []
        for key in ("annotations", "completions"):
            for j, made in enumerate(json_list(task.get(key, []), f"{where}.{key}")):
                found_spans += _spans(made, f"{where}.{key}[{j}]", suggested=False)
        for j, made in enumerate(json_list(task.get("predictions", []), f"{where}.predictions")):
            found_spans += _spans(made, f"{where}.predictions[{j}]", suggested=True)
        found.extend(spans.incoming(source, found_spans))
    return found


def _text(data: dict[str, Any], where: str) -> str:
    """The task's text: ``text``, else the one string the data holds."""
    if "text" in data:
        return string(data, "text", where)
    texts = [value for value in data.values() if isinstance(value, str)]
    if len(texts) != 1:
        raise fail(where, "has no 'text' (the text its passages index)")
    return texts[0]


def _spans(raw: Any, where: str, *, suggested: bool) -> list[Span]:
    made = json_object(raw, where)
    if made.get("was_cancelled") is True:
        return []
    who = _annotator(made.get("model_version" if suggested else "completed_by"), where)
    created, modified = iso_time(made, "created_at", where), iso_time(made, "updated_at", where)
    listed = json_list(made.get("result", []), f"{where}.result")
    results = [(json_object(r, f"{where}.result[{k}]"), f"{where}.result[{k}]") for k, r in enumerate(listed)]
    notes = {_id(r, at): _region_note(r, at) for r, at in results if r.get("type") == "textarea"}
    found = []
    for result, at in results:
        if result.get("type") != SPAN_TYPE:
            continue  # a choice, a rating, a relation, a region's note: not a passage
        value = json_object(result.get("value"), f"{at}.value")
        start, end = start_end(value, f"{at}.value")
        result_id = _id(result, at)
        extra = json_object(result.get("lectern") or {}, f"{at}.lectern")
        found.append(
            Span(
                start,
                end,
                tuple(strings(value, "labels", f"{at}.value")),
                at,
                quote=string(value, "text", f"{at}.value") if "text" in value else None,
                id=result_id,
                note=_region_note(result, at) or (notes.get(result_id, "") if result_id else ""),
                annotator=who,
                suggested=suggested,
                color=string(extra, "color", f"{at}.lectern"),
                created=iso_time(extra, "created", f"{at}.lectern") or created,
                modified=iso_time(extra, "modified", f"{at}.lectern") or modified,
            )
        )
    return found


def _annotator(value: Any, where: str) -> str:
    """Who made an annotation: a name, a user id, or a user (their email, else name, else id)."""
    if isinstance(value, dict):
        for key in ("email", "username", "id"):
            if isinstance(value.get(key), (str, int)) and not isinstance(value.get(key), bool):
                return _annotator(value[key], where)
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, type(None))):
        raise fail(where, f"its annotator is {json_kind(value)}, not a name or a user id")
    name = "" if value is None else str(value).strip()
    return "" if name == UNKNOWN_ANNOTATOR else name


def _id(result: dict[str, Any], where: str) -> str:
    value = result.get("id")
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise fail(f"{where}.id", f"is {json_kind(value)}, not an id")
    return str(value)


def _region_note(result: dict[str, Any], where: str) -> str:
    """A region's note: its ``meta.text``, or the text of a per-region text area."""
    if result.get("type") == "textarea":
        value = json_object(result.get("value") or {}, f"{where}.value")
        return "\n".join(strings(value, "text", f"{where}.value")).strip()
    meta = json_object(result.get("meta") or {}, f"{where}.meta")
    return "\n".join(strings(meta, "text", f"{where}.meta")).strip()
