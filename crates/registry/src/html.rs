//! HTML building with escaping. Every piece of dynamic text goes through [`esc`]; pages are
//! assembled from strings (no template engine, nothing evaluated), with inline CSS and no
//! external asset.

use crate::i18n::{Language, Words, W};

/// Escapes text for HTML element content and double- or single-quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

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
pub fn layout(lang: Language, title: &str, path_and_query: &str, body: &str) -> String {
    let other = match lang {
        Language::Fr => "en",
        Language::En => "fr",
    };
    let switch = with_lang(path_and_query, other);
    format!(
        "<!DOCTYPE html>\n<html lang=\"{code}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"referrer\" content=\"no-referrer\">\
<title>{title} — {site}</title><style>{CSS}</style></head><body>\
<a class=\"skip\" href=\"#main\">{skip}</a>\
<header><a class=\"site\" href=\"/?lang={code}\">{site}</a>\
<nav aria-label=\"{site}\"><a href=\"/?lang={code}\">{search}</a><a href=\"/workshops?lang={code}\">{workshops}</a>\
<a href=\"/log?lang={code}\">{log}</a><a href=\"/audit?lang={code}\">{audit}</a>\
<a href=\"/login?lang={code}\">{login}</a>\
<a href=\"{switch}\" hreflang=\"{other}\" lang=\"{other}\">{other_name}</a></nav></header>\
<main id=\"main\">{body}</main></body></html>\n",
        code = lang.code(),
        title = esc(title),
        site = esc(lang.t(W::Site)),
        skip = match lang {
            Language::Fr => "Aller au contenu",
            Language::En => "Skip to content",
        },
        search = esc(lang.t(W::NavSearch)),
        workshops = esc(lang.t(W::NavWorkshops)),
        log = esc(lang.t(W::NavLog)),
        audit = esc(lang.t(W::NavAudit)),
        login = esc(lang.t(W::NavLogin)),
        switch = esc(&switch),
        other_name = esc(lang.t(W::LangOther)),
    )
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
        assert_eq!(
            esc(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(esc("a\u{0}b"), "a\u{FFFD}b");
        assert_eq!(url_part("a b/c?&é"), "a%20b%2Fc%3F%26%C3%A9");
    }

    #[test]
    fn language_switch_keeps_the_query() {
        assert_eq!(with_lang("/?q=x&lang=fr", "en"), "/?q=x&lang=en");
        assert_eq!(with_lang("/c/abc", "fr"), "/c/abc?lang=fr");
    }
}
