"""HTML bodies: sanitise for display, extract readable text for search and replies."""

from __future__ import annotations

import re
from html.parser import HTMLParser

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
    no javascript: or data: URLs."""
    return nh3.clean(
        html[:MAX_HTML_CHARS],
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style", "title", "head", "noscript", "template"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        strip_comments=True,
        link_rel="noopener noreferrer nofollow",
    )


_BLOCK = {
    "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
    "tbody", "thead", "tfoot", "tr", "ul",
}
_SKIP = {"script", "style", "head", "title", "noscript", "template", "svg", "object"}
_PARAGRAPH = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "pre", "ul", "ol"}
_CELL = {"td", "th"}
_WHITESPACE = re.compile(r"[ \t\r\n\f\v]+")
_BLANK_LINES = re.compile(r"\n(?:[> ]*\n){2,}")


class _TextExtractor(HTMLParser):
    """Collects lines of text; lines inside <blockquote> get a "> " prefix per
    level, so the quoting rules for plain text also find HTML-quoted history."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.quote_depth = 0
        self.skip_depth = 0
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

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIP:
            self.skip_depth += 1
            return
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
            alt = dict(attrs).get("alt")
            if alt:
                self.current.append(f"[{alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if tag in _BLOCK:
            self._flush()
            if tag == "blockquote":
                self.quote_depth = max(0, self.quote_depth - 1)
            elif tag == "pre":
                self.pre_depth = max(0, self.pre_depth - 1)
            if tag in _PARAGRAPH:
                self._paragraph_break()

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.current.append(data)

    def text(self) -> str:
        self._flush()
        text = "\n".join(line.rstrip() for line in self.lines)
        return _BLANK_LINES.sub("\n\n", text).strip("\n")


def to_text(html: str) -> str:
    """Readable plain text of an HTML body."""
    parser = _TextExtractor()
    try:
        parser.feed(html[:MAX_HTML_CHARS])
        parser.close()
    except (AssertionError, ValueError, IndexError):
        # HTMLParser gives up on some malformed declarations; keep what it read.
        pass
    return parser.text().replace("\xa0", " ")


_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE
)


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML document declares in its own <meta>, if any."""
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None
