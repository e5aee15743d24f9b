"""The FAQ's HTML allow-list (on every way in) and the search lexemes."""

from __future__ import annotations

from support.kb import text


def test_it_removes_scripts_event_handlers_and_javascript_links() -> None:
    dirty = (
        '<p onclick="steal()">返品<script>alert(1)</script></p>'
        '<img src=x onerror="alert(2)">'
        '<a href="javascript:alert(3)">click</a>'
        '<a href="JaVaScRiPt:alert(4)">click2</a>'
        '<style>body{display:none}</style><iframe src="https://evil.example"></iframe>'
    )
    clean = text.sanitize_html(dirty)
    low = clean.lower()
    for bad in (
        "<script",
        "alert(1)",
        "onerror",
        "onclick",
        "javascript:",
        "<img",
        "<style",
        "display:none",
        "<iframe",
    ):
        assert bad not in low, bad
    assert "<p>返品</p>" in clean
    assert "click" in clean  # the link text stays, the link does not


def test_it_keeps_the_allow_list_and_marks_links_nofollow() -> None:
    html = (
        "<h2>見出し</h2><h3>小見出し</h3><p><strong>太字</strong><em>斜体</em><br></p>"
        "<ul><li>一</li></ul><ol><li>二</li></ol><blockquote>引用</blockquote>"
        "<pre><code>x = 1</code></pre>"
        '<table><thead><tr><th colspan="2">表</th></tr></thead>'
        "<tbody><tr><td>a</td></tr></tbody></table>"
        '<p><a href="https://example.jp/faq" rel="opener" target="_blank">https</a>'
        '<a href="mailto:help@example.jp">mail</a><a href="ftp://x">ftp</a></p>'
    )
    clean = text.sanitize_html(html)
    for kept in (
        "<h2>",
        "<h3>",
        "<strong>",
        "<em>",
        "<ul>",
        "<ol>",
        "<li>",
        "<blockquote>",
        "<pre>",
        "<code>",
        "<table>",
        '<th colspan="2">',
        "<td>",
        "<br>",
    ):
        assert kept in clean, kept
    assert '<a href="https://example.jp/faq" rel="nofollow">https</a>' in clean
    assert '<a href="mailto:help@example.jp" rel="nofollow">mail</a>' in clean
    assert "target" not in clean and "ftp://" not in clean


def test_a_reply_becomes_escaped_paragraphs() -> None:
    assert text.paragraphs_html("こんにちは<b>\n二行目\n\n次の段落") == (
        "<p>こんにちは&lt;b&gt;<br>二行目</p><p>次の段落</p>"
    )


def test_japanese_is_split_into_bigrams_and_latin_into_words() -> None:
    assert text.lexemes(text.fold("返品について Returns ＯＫ")) == [
        "返品",
        "品に",
        "につ",
        "つい",
        "いて",
        "returns",
        "ok",
    ]
    literal = text.vector_literal(["返品"], ["返品 policy"])
    assert "'返品':1A,2" in literal and "'policy':2" in literal


def test_distinctive_candidates_skip_grammar() -> None:
    counts = text.distinctive_candidates(
        "返品したいのですが、返品の方法を教えてください。Please help"
    )
    assert counts["返品"] == 2
    assert "です" not in counts and "くだ" not in counts and "please" not in counts
