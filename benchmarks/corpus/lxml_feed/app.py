"""lxml parsing an Atom feed in the event: XPath with namespaces, and a new XML document written back."""

from lxml import etree

ATOM = {"a": "http://www.w3.org/2005/Atom"}


def handler(event, context):
    feed = etree.fromstring(event["xml"].encode())
    titles = feed.xpath("//a:entry/a:title/text()", namespaces=ATOM)
    summary = etree.Element("summary", count=str(len(titles)))
    for title in titles:
        etree.SubElement(summary, "title").text = title.upper()
    return {"titles": titles, "xml": etree.tostring(summary, encoding="unicode")}
