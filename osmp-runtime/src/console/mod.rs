//! The web console: a page the server serves on its own port and TLS when asked to
//! (`ServerBuilder::console`), from which an operator browses the instruction sets, runs
//! commands through forms generated from their schemas, follows progress and streams,
//! cancels, watches events and logs in.
//!
//! The page is plain HTML, CSS and JavaScript modules embedded in the binary (see
//! `osmp-runtime/console/`); it talks OSMP to `/osmp/v1` like any other client. Every
//! answer carries a strict `Content-Security-Policy` (scripts, styles, images and
//! connections from the server itself only; no inline script, no framing), and an `ETag`
//! that a browser revalidates with `If-None-Match` (`Cache-Control: no-cache`), so a
//! server upgrade shows at the next load while an unchanged page costs a `304`.

mod assets;

use sha2::{Digest, Sha256};

use crate::transport::http::{HttpResponse, PlainRoutes, RequestHead};
use crate::transport::tls::Fingerprint;
use assets::ASSETS;

/// What the page may load and connect to: only this server. `'self'` covers `wss://` and
/// `ws://` to the same host and port (CSP Level 3).
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Where the page gets the certificate fingerprint it puts in command lines it copies.
const FINGERPRINT_PLACEHOLDER: &str = "{{fingerprint}}";

/// The console's files, ready to serve.
pub(crate) struct Console {
    files: Vec<File>,
}

/// One file with what its answers carry.
struct File {
    path: &'static str,
    content_type: &'static str,
    body: Vec<u8>,
    /// A strong validator: a digest of the body.
    etag: String,
}

impl Console {
    /// The console of a server; `fingerprint` is that of a generated (self-signed)
    /// certificate, which the page's command lines pin.
    pub(crate) fn new(fingerprint: Option<&Fingerprint>) -> Console {
        let fingerprint = fingerprint.map(ToString::to_string).unwrap_or_default();
        let files = ASSETS
            .iter()
            .map(|asset| {
                let body = match asset.path {
                    "/" => {
                        String::from_utf8_lossy(asset.body).replace(FINGERPRINT_PLACEHOLDER, &fingerprint).into_bytes()
                    }
                    _ => asset.body.to_vec(),
                };
                let digest = Sha256::digest(&body);
                let etag = format!("\"{}\"", digest[..12].iter().map(|byte| format!("{byte:02x}")).collect::<String>());
                File { path: asset.path, content_type: asset.content_type, body, etag }
            })
            .collect();
        Console { files }
    }

    /// The paths the console answers.
    #[cfg(test)]
    fn paths(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.files.iter().map(|file| file.path)
    }
}

impl PlainRoutes for Console {
    fn answer(&self, request: &RequestHead) -> Option<HttpResponse> {
        let file = self.files.iter().find(|file| file.path == request.path())?;
        let response = match matches_etag(request.header("if-none-match"), &file.etag) {
            true => HttpResponse::not_modified(),
            false => HttpResponse::new(200, file.content_type, file.body.clone()),
        };
        Some(secured(response).with_header("ETag", file.etag.clone()).with_header("Cache-Control", "no-cache"))
    }
}

/// The headers every console answer carries.
fn secured(response: HttpResponse) -> HttpResponse {
    response
        .with_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .with_header("X-Frame-Options", "DENY")
        .with_header("Referrer-Policy", "no-referrer")
        .with_header("Cross-Origin-Opener-Policy", "same-origin")
        .with_header("Cross-Origin-Resource-Policy", "same-origin")
}

/// Whether an `If-None-Match` list names this tag (weak comparison, RFC 9110 13.1.2).
fn matches_etag(if_none_match: Option<&str>, etag: &str) -> bool {
    let Some(list) = if_none_match else { return false };
    list.split(',').map(str::trim).any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str, headers: &[(&str, &str)]) -> RequestHead {
        RequestHead {
            method: "GET".to_owned(),
            target: path.to_owned(),
            minor_version: 1,
            headers: headers.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect(),
        }
    }

    fn text(response: &HttpResponse) -> String {
        String::from_utf8(response.body().to_vec()).unwrap()
    }

    #[test]
    fn serves_the_page_with_a_strict_policy_and_validators() {
        let console = Console::new(None);
        let page = console.answer(&get("/?from=bookmark", &[])).expect("the page");
        assert_eq!(page.status(), 200);
        assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
        assert_eq!(page.header("content-security-policy"), Some(CONTENT_SECURITY_POLICY));
        assert_eq!(page.header("cache-control"), Some("no-cache"));
        let etag = page.header("etag").expect("an ETag").to_owned();
        assert!(etag.starts_with('"') && etag.ends_with('"') && etag.len() == 26, "{etag}");

        let revalidated = console.answer(&get("/", &[("If-None-Match", &format!("\"x\", W/{etag}"))])).unwrap();
        assert_eq!(revalidated.status(), 304);
        assert_eq!(revalidated.header("etag"), Some(etag.as_str()));
        assert!(revalidated.body().is_empty());
        let changed = console.answer(&get("/", &[("If-None-Match", "\"older\"")])).unwrap();
        assert_eq!(changed.status(), 200);

        assert!(console.answer(&get("/index.html", &[])).is_none(), "anything else is left to the 404");
        assert!(console.answer(&get("/assets/", &[])).is_none());
        assert!(console.answer(&get("/assets/js/../js/main.js", &[])).is_none());
    }

    #[test]
    fn the_page_names_the_fingerprint_of_a_generated_certificate() {
        let fingerprint: Fingerprint = "AB".repeat(32).parse().unwrap();
        let page = text(&Console::new(Some(&fingerprint)).answer(&get("/", &[])).unwrap());
        assert!(page.contains(&format!("content=\"{fingerprint}\"")), "{page}");
        let without = text(&Console::new(None).answer(&get("/", &[])).unwrap());
        assert!(
            !without.contains(FINGERPRINT_PLACEHOLDER) && without.contains("name=\"osmp-fingerprint\" content=\"\"")
        );
    }

    /// Every file the page and its modules refer to is served, under the right type.
    #[test]
    fn everything_the_page_loads_is_served() {
        let console = Console::new(None);
        let served: Vec<&str> = console.paths().collect();
        let page = text(&console.answer(&get("/", &[])).unwrap());
        // Links within the page (`href="#command"`) load nothing.
        let mut wanted: Vec<String> = quoted_after(&page, "src=\"")
            .chain(quoted_after(&page, "href=\""))
            .filter(|reference| !reference.starts_with('#'))
            .collect();
        for path in served.iter().filter(|path| path.ends_with(".js")) {
            let module = text(&console.answer(&get(path, &[])).unwrap());
            let directory = &path[..path.rfind('/').unwrap() + 1];
            let imports = quoted_after(&module, "from './").chain(quoted_after(&module, "import './"));
            wanted.extend(imports.map(|file| format!("{directory}{file}")));
        }
        assert!(wanted.len() > 10, "{wanted:?}");
        for path in &wanted {
            assert!(served.contains(&path.as_str()), "{path} is referred to but not served");
        }
        for path in &served {
            let response = console.answer(&get(path, &[])).unwrap();
            let expected = match path.rsplit('.').next() {
                Some("js") => "text/javascript; charset=utf-8",
                Some("css") => "text/css; charset=utf-8",
                Some("svg") => "image/svg+xml",
                _ => "text/html; charset=utf-8",
            };
            assert_eq!(response.header("content-type"), Some(expected), "{path}");
        }
    }

    /// Text from the network and from schemas is inserted as text, never parsed as HTML,
    /// and nothing runs code from strings (the policy would refuse it anyway).
    #[test]
    fn no_script_builds_html_or_code_from_strings() {
        for asset in ASSETS {
            let text = String::from_utf8_lossy(asset.body);
            for forbidden in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"]
            {
                assert!(!text.contains(forbidden), "{} uses {forbidden}", asset.path);
            }
            if asset.path == "/" {
                assert!(!text.contains("<script>") && !text.contains(" style=\""), "no inline script or style");
            }
        }
    }

    fn quoted_after<'a>(text: &'a str, prefix: &'a str) -> impl Iterator<Item = String> + 'a {
        text.split(prefix).skip(1).filter_map(|rest| rest.split(['"', '\'']).next()).map(str::to_owned)
    }
}
