"""The BRP XML writer renders text directly; it must write exactly what lxml writes for the same
document tree (lxml is the reference: the writer was an element tree before it was made fast)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from bookable.api.dialects.brp.render import Items, XmlDocument, _text


def lxml_reference(tag: str, body: Any) -> bytes:
    def fill(parent: etree._Element, content: Any) -> None:
        if isinstance(content, Items):
            for row in content.rows:
                fill(etree.SubElement(parent, content.tag), row)
            return
        for key, value in content.items():
            if isinstance(value, Items) and value.inline:
                fill(parent, value)
            elif isinstance(value, dict | Items):
                fill(etree.SubElement(parent, key), value)
            else:
                child = etree.SubElement(parent, key)
                if value is not None:
                    child.text = _text(value)

    root = etree.Element(tag)
    fill(root, body)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


tags = st.sampled_from(["id", "name", "start", "product", "activity", "resource", "businessunit"])
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(), st.sampled_from(["", "a&b<c>", "x\r\n\ty"]))


def trees() -> st.SearchStrategy[Any]:
    return st.recursive(
        st.dictionaries(tags, scalars, max_size=4),
        lambda children: st.one_of(
            st.dictionaries(tags, st.one_of(scalars, children), max_size=4),
            st.dictionaries(tags, st.builds(Items, tags, st.lists(children, max_size=3), st.booleans()),
                            max_size=3),
        ),
        max_leaves=20,
    )


@settings(max_examples=300, deadline=None)
@given(tag=tags, body=st.one_of(trees(), st.builds(Items, tags, st.lists(trees(), max_size=3), st.booleans())))
def test_the_writer_writes_what_lxml_writes(tag: str, body: Any) -> None:
    assert XmlDocument((tag, body)).body == lxml_reference(tag, body)


def test_text_is_escaped_and_control_characters_dropped() -> None:
    body = XmlDocument(("a", {"b": "x<&>\r\x01y", "c": None, "d": "", "e": True, "f": 3})).body
    assert body == (b"<?xml version='1.0' encoding='UTF-8'?>\n"
                    b"<a><b>x&lt;&amp;&gt;&#13;y</b><c/><d></d><e>true</e><f>3</f></a>")
