//! Article bodies: Markdown of at most 200 KB, rendered once to sanitized HTML.
//!
//! Rendering is pulldown-cmark (CommonMark with tables, strikethrough and footnotes); the HTML then goes through ammonia, which keeps only harmless tags and
//! attributes: no script or style, no event handlers, only http, https, mailto and tel links
//! (relative links pass), and every link gets `rel="noopener noreferrer"`.

use std::{collections::HashSet, sync::OnceLock};

use pulldown_cmark::{html, Options, Parser};

/// The largest body accepted, in bytes of UTF-8.
pub const MAX_MARKDOWN_BYTES: usize = 200 * 1024;

/// Words read per minute, for `reading_time_minutes`.
const WORDS_PER_MINUTE: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Markdown(String);

impl Markdown {
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.trim().is_empty() {
            return Err("must have a character other than white space".into());
        }
        if s.len() > MAX_MARKDOWN_BYTES {
            return Err(format!(
                "must be at most {MAX_MARKDOWN_BYTES} bytes (it is {})",
                s.len()
            ));
        }
        if s.chars().any(super::text::forbidden_char) {
            return Err("must not contain control characters or non-characters".into());
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }

    /// The body as sanitized HTML.
    pub fn to_html(&self) -> String {
        let mut options = Options::empty();
        options.insert(Options::ENABLE_TABLES);
        options.insert(Options::ENABLE_STRIKETHROUGH);
        options.insert(Options::ENABLE_FOOTNOTES);
        let mut raw = String::with_capacity(self.0.len() * 3 / 2);
        html::push_html(&mut raw, Parser::new_ext(&self.0, options));
        sanitizer().clean(&raw).to_string()
    }

    /// Minutes to read at 200 words a minute, at least 1.
    pub fn reading_time_minutes(&self) -> i32 {
        let words = self.0.split_whitespace().count();
        words.div_ceil(WORDS_PER_MINUTE).max(1) as i32
    }
}

/// The words a reader sees in `markdown` (or in its start, cut anywhere), as plain text: no
/// emphasis or heading marks, no HTML tags, the text of links and code kept; blocks and line
/// breaks become spaces. What a search snippet is cut from.
pub fn plain_text(markdown: &str) -> String {
    use pulldown_cmark::{Event, TagEnd};
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::Rule => out.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_),
            ) => out.push(' '),
            _ => {}
        }
    }
    out
}

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.url_schemes(HashSet::from(["http", "https", "mailto", "tel"]))
            .link_rel(Some("noopener noreferrer"));
        b
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The tags of sanitized HTML: text `<` is always escaped there, so every `<` opens a tag.
    fn tags(html: &str) -> Vec<&str> {
        html.split('<')
            .skip(1)
            .map(|rest| rest.split('>').next().unwrap_or(rest))
            .collect()
    }

    fn render(s: &str) -> String {
        Markdown::parse(s).unwrap().to_html()
    }

    #[test]
    fn plain_text_keeps_the_words_and_drops_marks_and_tags() {
        assert_eq!(
            plain_text(
                "# Priming\n\nUse *warm* `saline` and [check](https://x.example) it.\n- one\n- two"
            ),
            "Priming Use warm saline and check it. one two "
        );
        // Text that only looks like markup stays; tags go, their text stays.
        assert_eq!(
            plain_text("Dose when ACT < 480 & check <b>alert('x')</b> \"here\"."),
            "Dose when ACT < 480 & check alert('x') \"here\". "
        );
        // A body cut mid-way still gives its words.
        assert_eq!(plain_text("Some **bold te"), "Some **bold te ");
    }

    #[test]
    fn markdown_becomes_html() {
        let html = render("# Title\n\nSome *emphasis* and a [link](https://example.org).");
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<em>emphasis</em>"));
        assert!(
            html.contains("<a href=\"https://example.org\" rel=\"noopener noreferrer\">link</a>")
        );
    }

    #[test]
    fn hostile_markdown_comes_out_inert() {
        for hostile in [
            "<script>alert(1)</script>",
            "<style>body{display:none}</style>",
            "<img src=x onerror=alert(1)>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "![x](data:image/svg+xml,<svg onload=alert(1)>)",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<div onclick=\"alert(1)\">x</div>",
            "<svg><script>alert(1)</script></svg>",
            "<object data=\"x\"></object>",
            "<form action=\"https://evil.example\"><input name=a></form>",
            "<a href=\"vbscript:msgbox(1)\">x</a>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "[a](<javascript:alert(1)>)",
            "<a href=\"&#106;avascript:alert(1)\">x</a>",
        ] {
            let html = render(hostile).to_ascii_lowercase();
            for bad in [
                "<script",
                "<style",
                " onerror=",
                " onload=",
                " onclick=",
                "=\"javascript:",
                "=\"data:",
                "<iframe",
                "<object",
                "<form",
                "=\"vbscript:",
                "<svg",
            ] {
                assert!(!html.contains(bad), "{hostile:?} gave {html:?}");
            }
        }
    }

    #[test]
    fn every_link_gets_noopener_noreferrer() {
        let html =
            render("<a href=\"https://a.example\" rel=\"opener\">a</a> [b](https://b.example)");
        assert_eq!(
            html.matches("rel=\"noopener noreferrer\"").count(),
            2,
            "{html}"
        );
        assert!(!html.contains("rel=\"opener\""));
    }

    #[test]
    fn bodies_are_bounded() {
        assert!(Markdown::parse("").is_err());
        assert!(Markdown::parse("  \n").is_err());
        assert!(Markdown::parse(&"a".repeat(MAX_MARKDOWN_BYTES)).is_ok());
        assert!(Markdown::parse(&"a".repeat(MAX_MARKDOWN_BYTES + 1)).is_err());
        assert!(Markdown::parse("a\u{0}b").is_err());
    }

    #[test]
    fn reading_time_is_words_over_200_rounded_up() {
        assert_eq!(Markdown::parse("one").unwrap().reading_time_minutes(), 1);
        let words = "word ".repeat(401);
        assert_eq!(Markdown::parse(&words).unwrap().reading_time_minutes(), 3);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Whatever mix of HTML, Markdown and hostile fragments comes in, no executable
        /// markup comes out.
        #[test]
        fn no_input_renders_to_executable_html(
            parts in proptest::collection::vec(prop_oneof![
                Just("<script>".to_owned()), Just("</script>".to_owned()),
                Just("<img src=x onerror=alert(1)>".to_owned()),
                Just("javascript:".to_owned()), Just("data:text/html,".to_owned()),
                Just("[a](".to_owned()), Just(")".to_owned()), Just("<a href=\"".to_owned()),
                Just("\">".to_owned()), Just("<svg onload=x>".to_owned()), Just("`".to_owned()),
                Just("<style>".to_owned()), Just("<iframe>".to_owned()), Just("\n\n".to_owned()),
                Just("&#x6A;".to_owned()), Just("<!--".to_owned()), Just("-->".to_owned()),
                Just("<![CDATA[".to_owned()), Just("\"".to_owned()), Just("'".to_owned()),
                "\\PC{0,12}",
            ], 1..24)
        ) {
            let input = parts.concat();
            if let Ok(md) = Markdown::parse(&input) {
                let html = md.to_html();
                for tag in tags(&html) {
                    let lower = tag.to_ascii_lowercase();
                    for bad in ["script", "style", "iframe", "svg", "object", "embed", "form"] {
                        prop_assert!(
                            !lower.trim_start_matches('/').starts_with(bad),
                            "<{}> in {}", tag, html
                        );
                    }
                    // Serialized attributes are always `name="value"` with `"` escaped inside,
                    // so even pieces are names and odd pieces are values.
                    let pieces: Vec<&str> = lower.split('"').collect();
                    for (i, piece) in pieces.iter().enumerate() {
                        if i % 2 == 0 {
                            prop_assert!(!piece.contains(" on"), "handler in <{}>", tag);
                        } else if pieces[i - 1].ends_with("href=") || pieces[i - 1].ends_with("src=") {
                            let url = piece.trim_start();
                            prop_assert!(!url.starts_with("javascript:"), "<{}>", tag);
                            prop_assert!(!url.starts_with("data:"), "<{}>", tag);
                        }
                    }
                }
            }
        }
    }
}
