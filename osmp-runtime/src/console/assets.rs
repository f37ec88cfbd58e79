//! The files of the web console, embedded in the binary: the page, its style sheet, its
//! icon and its JavaScript modules (`osmp-runtime/console/`, served as they are: no build
//! step, nothing fetched from elsewhere at run time).

/// One file of the console and where it is served.
pub(super) struct Asset {
    /// The request path.
    pub(super) path: &'static str,
    /// The `Content-Type`.
    pub(super) content_type: &'static str,
    /// The file as it is in `osmp-runtime/console/`.
    pub(super) body: &'static [u8],
}

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const SVG: &str = "image/svg+xml";

/// An asset at `path`, from `console/FILE`.
macro_rules! asset {
    ($path:literal, $file:literal, $content_type:expr) => {
        Asset {
            path: $path,
            content_type: $content_type,
            body: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/console/", $file)),
        }
    };
}

/// Every file of the console. `index.html` is served at `/`; the rest under `/assets/`, where
/// the page and the modules' relative imports find them.
pub(super) const ASSETS: &[Asset] = &[
    asset!("/", "index.html", HTML),
    asset!("/assets/console.css", "console.css", CSS),
    asset!("/assets/favicon.svg", "favicon.svg", SVG),
    asset!("/assets/js/main.js", "js/main.js", JAVASCRIPT),
    asset!("/assets/js/dom.js", "js/dom.js", JAVASCRIPT),
    asset!("/assets/js/client.js", "js/client.js", JAVASCRIPT),
    asset!("/assets/js/rsa.js", "js/rsa.js", JAVASCRIPT),
    asset!("/assets/js/schema.js", "js/schema.js", JAVASCRIPT),
    asset!("/assets/js/form.js", "js/form.js", JAVASCRIPT),
    asset!("/assets/js/render.js", "js/render.js", JAVASCRIPT),
    asset!("/assets/js/cmdline.js", "js/cmdline.js", JAVASCRIPT),
    asset!("/assets/js/runs.js", "js/runs.js", JAVASCRIPT),
    asset!("/assets/js/events.js", "js/events.js", JAVASCRIPT),
    asset!("/assets/js/active.js", "js/active.js", JAVASCRIPT),
    asset!("/assets/js/login.js", "js/login.js", JAVASCRIPT),
    asset!("/assets/js/history.js", "js/history.js", JAVASCRIPT),
    asset!("/assets/js/theme.js", "js/theme.js", JAVASCRIPT),
    asset!("/assets/js/route.js", "js/route.js", JAVASCRIPT),
];
