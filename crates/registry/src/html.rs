//! HTML building. Pages are written with the `maud` macro `html!`, checked at compile time:
//! every dynamic text or attribute value spliced in with `(…)` is escaped by maud, so a
//! forgotten escape cannot exist. `PreEscaped` is kept for compile-time constants (the CSS).
//! Inline CSS, no script, no external asset.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::i18n::{Language, Words, W};

/// Percent-encodes a path segment or query value.
pub fn url_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

const CSS: &str = r#"
:root{--fg:#1b1f24;--muted:#57606a;--bg:#fff;--line:#d0d7de;--ok:#116329;--okbg:#dafbe1;--bad:#a40e26;--badbg:#ffebe9;--warn:#7d4e00;--warnbg:#fff8c5;--link:#0550ae}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI","DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg);margin:0;line-height:1.45}
header{border-bottom:1px solid var(--line);padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}
header .site{font-weight:700;color:var(--fg);text-decoration:none}
nav a,footer a,a{color:var(--link)}
nav{display:flex;gap:1rem;flex-wrap:wrap}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#f6f8fa}
dl{display:grid;grid-template-columns:minmax(10rem,16rem) 1fr;gap:.2rem 1rem;margin:.5rem 0}
dt{color:var(--muted)}
dd{margin:0;overflow-wrap:anywhere}
code,pre,.mono{font-family:"DejaVu Sans Mono",monospace;font-size:.85rem;overflow-wrap:anywhere}
pre{background:#f6f8fa;padding:.5rem;white-space:pre-wrap}
form.search{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:end;margin-bottom:1rem}
form.search label{display:flex;flex-direction:column;font-size:.9rem}
input,select,button{font:inherit;padding:.3rem .4rem}
button{cursor:pointer}
.verdict{padding:.6rem .8rem;border-radius:.3rem;font-weight:700;margin:.5rem 0}
.ok{color:var(--ok);background:var(--okbg)}
.bad{color:var(--bad);background:var(--badbg)}
.warn{color:var(--warn);background:var(--warnbg)}
ul.checks{list-style:none;padding:0}
ul.checks li{padding:.3rem .5rem;margin:.2rem 0;border-radius:.2rem}
.muted{color:var(--muted)}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff}
"#;

/// The page frame: header with navigation and language switch, main content.
pub fn layout(lang: Language, title: &str, path_and_query: &str, body: Markup) -> String {
    let other = match lang {
        Language::Fr => "en",
        Language::En => "fr",
    };
    let code = lang.code();
    let site = lang.t(W::Site);
    let skip = match lang {
        Language::Fr => "Aller au contenu",
        Language::En => "Skip to content",
    };
    let page = html! {
        (DOCTYPE)
        html lang=(code) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " — " (site) }
                // A compile-time constant: the only markup not built by `html!`.
                style { (PreEscaped(CSS)) }
            }
            body {
                a.skip href="#main" { (skip) }
                header {
                    a.site href={ "/?lang=" (code) } { (site) }
                    nav aria-label=(site) {
                        a href={ "/?lang=" (code) } { (lang.t(W::NavSearch)) }
                        a href={ "/workshops?lang=" (code) } { (lang.t(W::NavWorkshops)) }
                        a href={ "/log?lang=" (code) } { (lang.t(W::NavLog)) }
                        a href={ "/audit?lang=" (code) } { (lang.t(W::NavAudit)) }
                        a href={ "/login?lang=" (code) } { (lang.t(W::NavLogin)) }
                        a href=(with_lang(path_and_query, other)) hreflang=(other) lang=(other) {
                            (lang.t(W::LangOther))
                        }
                    }
                }
                main #main { (body) }
            }
        }
    };
    let mut out = page.into_string();
    out.push('\n');
    out
}

/// `path?query` with `lang=` replaced.
pub fn with_lang(path_and_query: &str, lang: &str) -> String {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut parts: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("lang="))
        .collect();
    let l = format!("lang={lang}");
    parts.push(&l);
    format!("{path}?{}", parts.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        let evil = r#"<script>alert("x")</script> & 'y'"#;
        let page = layout(
            Language::En,
            evil,
            &format!("/?q={evil}"),
            html! { p { (evil) } },
        );
        assert!(!page.contains("<script"), "{page}");
        assert!(
            page.contains("<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 'y'</p>"),
            "{page}"
        );
        assert!(page.contains("<title>&lt;script&gt;"), "{page}");
        // The language switch's href keeps the query, escaped inside its double quotes.
        assert!(
            page.contains(r#"href="/?q=&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 'y'&amp;lang=fr""#),
            "{page}"
        );
        assert_eq!(url_part("a b/c?&é"), "a%20b%2Fc%3F%26%C3%A9");
    }

    #[test]
    fn language_switch_keeps_the_query() {
        assert_eq!(with_lang("/?q=x&lang=fr", "en"), "/?q=x&lang=en");
        assert_eq!(with_lang("/c/abc", "fr"), "/c/abc?lang=fr");
    }
}
