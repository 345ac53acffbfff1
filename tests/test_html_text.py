from collectors.html_text import html_to_text


def test_plain_text_passes_through():
    assert html_to_text("just some words") == "just some words"
    assert html_to_text("a < b and c > d") == "a < b and c > d"
    assert html_to_text("") == ""
    assert html_to_text(None) == ""


def test_scripts_styles_and_friends_are_dropped_with_content():
    html = (
        "<p>before</p>"
        "<script>alert('pwned')</script>"
        "<SCRIPT type='text/javascript'>document.cookie</SCRIPT>"
        "<style>.x { color: red }</style>"
        "<noscript><p>enable js</p></noscript>"
        "<iframe src='https://evil.example/'>frame text</iframe>"
        "<!-- secret comment -->"
        "<p>after</p>"
    )
    text = html_to_text(html)
    assert text == "before\nafter"
    for bad in ("alert", "pwned", "cookie", "color", "enable js", "frame text", "secret"):
        assert bad not in text


def test_unclosed_script_swallows_the_rest_rather_than_leaking_it():
    assert html_to_text("ok <script>alert(1); <p>not text</p>") == "ok"


def test_block_elements_become_line_breaks():
    html = "<h1>Title</h1><p>one</p><div>two</div>three<br>four<br/>five<ul><li>a</li><li>b</li></ul><blockquote>q</blockquote>"
    assert html_to_text(html) == "Title\none\ntwo\nthree\nfour\nfive\na\nb\nq"


def test_table_rows_and_cells():
    assert html_to_text("<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>") == "1 2\n3"


def test_entities_are_unescaped_and_whitespace_collapsed():
    html = "  <p>Fish &amp; chips &lt;3&nbsp;&nbsp; caf&eacute; &#8212; &#x263A;</p>\n\n\t <p>  spaced   out  </p> "
    assert html_to_text(html) == "Fish & chips <3 café — ☺\nspaced out"


def test_escaped_markup_stays_text_and_is_not_interpreted():
    # "&lt;script&gt;" is text describing a tag: it must survive as text, nothing runs.
    assert html_to_text("use &lt;script&gt; tags") == "use <script> tags"


def test_broken_html_is_handled():
    assert html_to_text("<p>one<p>two</div></span>three") == "one\ntwo\nthree"
    assert html_to_text("<b>bold <i>both</b> italic") == "bold both italic"
    assert html_to_text("<<<>>>") == "<<<>>>"
    assert html_to_text("<p class='x>unterminated attr") in ("", "unterminated attr", "<p class='x>unterminated attr")
    assert html_to_text("a</script>b") == "ab"  # stray end tag does not start skipping
    assert html_to_text("x <![CDATA[hidden]]> y") == "x y"


def test_self_closing_skip_element_does_not_swallow_the_rest():
    assert html_to_text("<iframe src='x'/>visible") == "visible"
