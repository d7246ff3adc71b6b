"""HTML bodies: sanitise for display, extract readable text for search and replies."""

from __future__ import annotations

import re
from html import escape, unescape

import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "center", "code", "col", "colgroup",
    "dd", "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "ins", "li", "ol", "p", "pre", "q", "s", "small", "span", "strike",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt",
    "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"title", "lang", "dir", "align"},
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "valign"},
    "th": {"colspan", "rowspan", "valign", "scope"},
    "font": {"color", "size"},
    "ol": {"start", "type"},
    "blockquote": {"cite"},
}
# cid: lets inline images be served from the message's own attachments.
URL_SCHEMES = {"http", "https", "mailto", "cid"}
MAX_HTML_CHARS = 2_000_000


def sanitize(html: str) -> str:
    """Allowlist clean: no script/style (nor their content), no on* handlers,
    no javascript: or data: URLs.

    html5ever (inside nh3) takes quadratic time on deeply nested tags, so
    such a document is shown as its text instead.
    """
    html = html[:MAX_HTML_CHARS]
    if html.count("<") > _TAGS_BEFORE_DEPTH_CHECK and nesting_depth(html) > MAX_NESTING:
        return f"<pre>{escape(to_text(html))}</pre>"
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style", "title", "head", "noscript", "template"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        strip_comments=True,
        link_rel="noopener noreferrer nofollow",
    )


MAX_NESTING = 400
_TAGS_BEFORE_DEPTH_CHECK = 2 * MAX_NESTING
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]{0,20})\b[^<>]*?(/?)>")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}


def nesting_depth(html: str) -> int:
    """Deepest element nesting, roughly (unclosed tags count as open)."""
    depth = deepest = 0
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.groups()
        if closing:
            depth = max(0, depth - 1)
        elif not self_closing and name.lower() not in _VOID:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


_BLOCK = {
    "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
    "tbody", "thead", "tfoot", "tr", "ul",
}
# Elements whose content is never shown; skipped up to their closing tag.
_SKIP = {"script", "style", "title", "noscript", "template", "svg", "object", "xml"}
_PARAGRAPH = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "pre", "ul", "ol"}
_CELL = {"td", "th"}
_WHITESPACE = re.compile(r"[ \t\r\n\f\v]+")
_BLANK_LINES = re.compile(r"\n(?:[> ]*\n){2,}")
# One token at a time: comment, tag, declaration, text. No token may run past
# the next "<": an unclosed tag must not rescan the rest of the document for
# every "<" (quadratic time on "<a <a <a …").
_TOKEN = re.compile(
    r"""<!--.*?(?:-->|\Z)
      | <(/?)([a-zA-Z][a-zA-Z0-9:-]{0,30})((?:[^<>"']|"[^<"]*"|'[^<']*')*)>
      | <[!?][^<>]*>
      | [^<]+
      | <""",
    re.DOTALL | re.VERBOSE,
)
_ALT = re.compile(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)


class _TextBuilder:
    """Collects lines of text; lines inside <blockquote> get a "> " prefix per
    level, so the quoting rules for plain text also find HTML-quoted history."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.current: list[str] = []
        self.quote_depth = 0
        self.pre_depth = 0

    def _flush(self, *, keep_empty: bool = False) -> None:
        line = "".join(self.current)
        if not self.pre_depth:
            line = _WHITESPACE.sub(" ", line).strip()
        self.current = []
        if line or keep_empty:
            self.lines.append(("> " * self.quote_depth + line).rstrip())

    def _paragraph_break(self) -> None:
        self._flush()
        if self.lines and self.lines[-1].strip("> "):
            self.lines.append((">" * self.quote_depth).rstrip())

    def start(self, tag: str, attributes: str) -> None:
        if tag == "br":
            self._flush(keep_empty=True)
        elif tag in _BLOCK:
            if tag in _PARAGRAPH:
                self._paragraph_break()
            self._flush()
            if tag == "blockquote":
                self.quote_depth += 1
            elif tag == "pre":
                self.pre_depth += 1
            elif tag == "li":
                self.current.append("- ")
        elif tag in _CELL:
            self.current.append(" ")
        elif tag == "img":
            alt = _ALT.search(attributes)
            if alt and any(alt.groups()):
                self.data(f"[{next(g for g in alt.groups() if g)}]")

    def end(self, tag: str) -> None:
        if tag in _BLOCK:
            self._flush()
            if tag == "blockquote":
                self.quote_depth = max(0, self.quote_depth - 1)
            elif tag == "pre":
                self.pre_depth = max(0, self.pre_depth - 1)
            if tag in _PARAGRAPH:
                self._paragraph_break()

    def data(self, text: str) -> None:
        self.current.append(unescape(text) if "&" in text else text)

    def text(self) -> str:
        self._flush()
        text = "\n".join(line.rstrip() for line in self.lines)
        return _BLANK_LINES.sub("\n\n", text).strip("\n")


def to_text(html: str) -> str:
    """Readable plain text of an HTML body.

    A small tokenizer rather than html.parser: several times faster, and it
    cannot give up half-way on a malformed declaration.
    """
    html = html[:MAX_HTML_CHARS]
    lowered = html.lower()
    builder = _TextBuilder()
    pos = 0
    while match := _TOKEN.match(html, pos):
        pos = match.end()
        closing, tag, attributes = match.groups()
        if tag is None:
            token = match.group()
            if not token.startswith("<") or token == "<":
                builder.data(token)
            continue
        tag = tag.lower()
        if closing:
            builder.end(tag)
        elif tag in _SKIP and not attributes.rstrip().endswith("/"):
            end = lowered.find(f"</{tag}", pos)
            pos = len(html) if end == -1 else end
        else:
            builder.start(tag, attributes)
    return builder.text().replace("\xa0", " ")


_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE
)


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML document declares in its own <meta>, if any."""
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None
