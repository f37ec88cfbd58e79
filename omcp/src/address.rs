//! Addresses (`omcp://module/path?query`) and where they lead on the broker.
//!
//! A module receives its requests on a queue named after it: `.osiris` is appended when
//! absent and the dotted labels are reversed, so `sensornet` listens on `osiris.sensornet`
//! and `average.function` on `osiris.function.average`. A host `X.messagegroup` is a
//! message group: a topic exchange `osiris.messagegroup.X`, to which a NOTIFY is published
//! with the path segments joined by `.`, and the query after `?`, as routing key
//! ([`routing_key`]), and to which modules subscribe with patterns such as
//! `omcp://alerts.messagegroup/sensors/#`.
//!
//! The path of an address is kept as the original client sends it: the `%XX` escapes of
//! characters that can travel as they are are decoded (`omcp://echo/echo/caf%C3%A9%3A1`
//! names `/echo/café:1`), those of `/`, `?`, `%`, white space and control characters are
//! kept, so that decoding never changes the path's segments. The query is kept as written:
//! its escapes are the module's to read.

use std::fmt;
use std::str::FromStr;

use crate::percent::plain_path;

/// The scheme of OMCP addresses.
pub const SCHEME: &str = "omcp://";

/// The suffix of message group hosts.
pub const MESSAGE_GROUP: &str = ".messagegroup";

/// An OMCP address: `omcp://module/path?query`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address {
    /// The module (or message group) name: `sensornet`, `average.function`,
    /// `alerts.messagegroup`.
    pub module: String,
    /// The resource path, starting with `/` (`/` when the address has none), as it is sent:
    /// escapes of characters that can travel as they are decoded (see the
    /// [module documentation](self)).
    pub path: String,
    /// The query, without `?`.
    pub query: Option<String>,
}

/// Why a text is not an OMCP address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressError {
    /// It does not start with `omcp://`.
    #[error("`{0}` is not an OMCP address: expected `omcp://module/path`")]
    Scheme(String),
    /// `omcp:///path`.
    #[error("`{0}` names no module: expected `omcp://module/path`")]
    NoModule(String),
    /// A module name with characters that cannot be in a queue name.
    #[error("invalid module name `{0}`: use letters, digits, `.`, `-` and `_`")]
    InvalidModule(String),
    /// A path with spaces or line breaks.
    #[error("invalid path `{0}`: percent-encode spaces and control characters")]
    InvalidPath(String),
}

impl Address {
    /// An address of a module's resource; `resource` is a path with an optional query.
    ///
    /// ```
    /// let address = omcp::Address::new("echo", "/echo/caf%C3%A9%3A1/a%2Fb?q=%26")?;
    /// assert_eq!(address.path, "/echo/café:1/a%2Fb");
    /// assert_eq!(address.query.as_deref(), Some("q=%26"));
    /// # Ok::<(), omcp::AddressError>(())
    /// ```
    pub fn new(module: impl Into<String>, resource: &str) -> Result<Address, AddressError> {
        let module = module.into();
        check_module(&module)?;
        let (path, query) = split_resource(resource);
        let path = if path.is_empty() { "/".to_owned() } else { path.to_owned() };
        if !path.starts_with('/') || path.contains(char::is_whitespace) {
            return Err(AddressError::InvalidPath(path));
        }
        Ok(Address { module, path: plain_path(&path), query: query.map(str::to_owned) })
    }

    /// Reads `omcp://module/path?query` (the scheme in any case).
    pub fn parse(text: &str) -> Result<Address, AddressError> {
        let rest = text
            .get(..SCHEME.len())
            .filter(|scheme| scheme.eq_ignore_ascii_case(SCHEME))
            .map(|_| &text[SCHEME.len()..])
            .ok_or_else(|| AddressError::Scheme(text.to_owned()))?;
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (module, resource) = rest.split_at(split);
        if module.is_empty() {
            return Err(AddressError::NoModule(text.to_owned()));
        }
        Address::new(module, resource)
    }

    /// The path and query as a request names them: `/sensors/3?unit=celsius`.
    pub fn resource(&self) -> String {
        match &self.query {
            Some(query) => format!("{}?{query}", self.path),
            None => self.path.clone(),
        }
    }

    /// Whether the address is a message group (`X.messagegroup`).
    pub fn is_message_group(&self) -> bool {
        is_message_group(&self.module)
    }

    /// The queue of the module (for a message group, the name of its exchange).
    pub fn queue(&self) -> String {
        queue_name(&self.module)
    }

    /// The routing key of a message group NOTIFY, or the binding pattern of a subscription:
    /// the path segments joined with `.`, then the query after `?` (`/sensors/3/temp` →
    /// `sensors.3.temp`, `/sensors/#` → `sensors.#`, `/a/b?x=1` → `a.b?x=1`). See
    /// [`routing_key`].
    pub fn routing_key(&self) -> String {
        routing_key(&self.resource())
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME}{}{}", self.module, self.path)?;
        if let Some(query) = &self.query {
            write!(f, "?{query}")?;
        }
        Ok(())
    }
}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(text: &str) -> Result<Address, AddressError> {
        Address::parse(text)
    }
}

/// The queue a module listens on: `.osiris` appended when absent, then the dotted labels
/// reversed (`sensornet` → `osiris.sensornet`, `average.function` → `osiris.function.average`,
/// `alerts.messagegroup` → `osiris.messagegroup.alerts`).
pub fn queue_name(module: &str) -> String {
    let mut labels: Vec<&str> = module.split('.').collect();
    if labels.last() != Some(&"osiris") {
        labels.push("osiris");
    }
    labels.reverse();
    labels.join(".")
}

/// Whether a host is a message group (`X.messagegroup`).
pub fn is_message_group(module: &str) -> bool {
    module.len() > MESSAGE_GROUP.len() && module.ends_with(MESSAGE_GROUP)
}

/// The routing key of a resource (a path with an optional query) in a message group, as
/// the original computes it: the path's non-empty segments joined with `.`, then, when there
/// is a query, `?` and the query as it is. The empty path is the empty key.
///
/// A topic exchange cuts keys at every `.`, the query's included: `/a/b?x=1` is the two
/// words `a` and `b?x=1`, so a subscription to `/a/b` does not receive it while `/a/*` and
/// `/a/#` do, and a `.` in a query (`?x=1.5`) adds a word.
///
/// ```
/// use omcp::address::routing_key;
/// assert_eq!(routing_key("/sensors/3/temp"), "sensors.3.temp");
/// assert_eq!(routing_key("/a/b?x=1"), "a.b?x=1");
/// assert_eq!(routing_key("/sensors/#"), "sensors.#");
/// ```
pub fn routing_key(resource: &str) -> String {
    let (path, query) = split_resource(resource);
    let mut key = path.split('/').filter(|segment| !segment.is_empty()).collect::<Vec<_>>().join(".");
    if let Some(query) = query {
        key.push('?');
        key.push_str(query);
    }
    key
}

fn check_module(module: &str) -> Result<(), AddressError> {
    let valid = !module.is_empty()
        && module.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && !module.starts_with('.')
        && !module.ends_with('.')
        && !module.contains("..");
    if valid {
        Ok(())
    } else {
        Err(AddressError::InvalidModule(module.to_owned()))
    }
}

fn split_resource(resource: &str) -> (&str, Option<&str>) {
    match resource.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (resource, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_names_of_the_original() {
        assert_eq!(queue_name("sensornet"), "osiris.sensornet");
        assert_eq!(queue_name("average.function"), "osiris.function.average");
        assert_eq!(queue_name("sensornet.osiris"), "osiris.sensornet");
        assert_eq!(queue_name("a.b.c"), "osiris.c.b.a");
        assert_eq!(queue_name("alerts.messagegroup"), "osiris.messagegroup.alerts");
    }

    #[test]
    fn parses_and_prints() {
        let address = Address::parse("omcp://sensornet/sensors/3?unit=celsius&x=1").unwrap();
        assert_eq!(address.module, "sensornet");
        assert_eq!(address.path, "/sensors/3");
        assert_eq!(address.query.as_deref(), Some("unit=celsius&x=1"));
        assert_eq!(address.resource(), "/sensors/3?unit=celsius&x=1");
        assert_eq!(address.to_string(), "omcp://sensornet/sensors/3?unit=celsius&x=1");
        assert_eq!(address.queue(), "osiris.sensornet");
        assert!(!address.is_message_group());

        let bare = Address::parse("OMCP://average.function").unwrap();
        assert_eq!((bare.module.as_str(), bare.path.as_str(), bare.query.as_deref()), ("average.function", "/", None));
        assert_eq!(bare.to_string(), "omcp://average.function/");
        assert_eq!(bare.queue(), "osiris.function.average");

        let query_only: Address = "omcp://m?q".parse().unwrap();
        assert_eq!((query_only.path.as_str(), query_only.query.as_deref()), ("/", Some("q")));
    }

    #[test]
    fn message_groups() {
        let group = Address::parse("omcp://alerts.messagegroup/sensors/3/temp").unwrap();
        assert!(group.is_message_group());
        assert_eq!(group.queue(), "osiris.messagegroup.alerts");
        assert_eq!(group.routing_key(), "sensors.3.temp");
        assert_eq!(Address::parse("omcp://alerts.messagegroup/sensors/#").unwrap().routing_key(), "sensors.#");
        assert_eq!(Address::parse("omcp://alerts.messagegroup/#").unwrap().routing_key(), "#");
        assert_eq!(Address::parse("omcp://alerts.messagegroup").unwrap().routing_key(), "");
        assert!(!is_message_group(".messagegroup"));
        assert!(!is_message_group("messagegroup"));
    }

    #[test]
    fn queries_in_routing_keys() {
        let group = Address::parse("omcp://x.messagegroup/a/b?x=1").unwrap();
        assert_eq!(group.routing_key(), "a.b?x=1");
        assert_eq!(routing_key("/a/b?x=1&y=2/3"), "a.b?x=1&y=2/3");
        assert_eq!(routing_key("/a/b?"), "a.b?");
        assert_eq!(routing_key("?x=1"), "?x=1");
        assert_eq!(routing_key("//a//b/"), "a.b");
    }

    #[test]
    fn paths_as_the_original_sends_them() {
        let address = Address::parse("omcp://echo/echo/caf%C3%A9%3A1").unwrap();
        assert_eq!(address.path, "/echo/café:1");
        assert_eq!(address.to_string(), "omcp://echo/echo/café:1");
        assert_eq!(address.resource(), "/echo/café:1");
        // Escapes that keep the segments what they are stay, in upper case; invalid ones too.
        let kept = Address::parse("omcp://files/a%2fb/c%3Fd/100%25/e%20f/%zz?q=%2F").unwrap();
        assert_eq!(kept.path, "/a%2Fb/c%3Fd/100%25/e%20f/%zz");
        assert_eq!(kept.query.as_deref(), Some("q=%2F"));
        // In a message group, the decoded path is the routing key.
        let group = Address::parse("omcp://x.messagegroup/caf%C3%A9/a%2Eb").unwrap();
        assert_eq!(group.routing_key(), "café.a.b");
    }

    #[test]
    fn invalid_addresses() {
        assert_eq!(Address::parse("http://x/y"), Err(AddressError::Scheme("http://x/y".into())));
        assert_eq!(Address::parse("omcp:/x"), Err(AddressError::Scheme("omcp:/x".into())));
        assert_eq!(Address::parse("om"), Err(AddressError::Scheme("om".into())));
        assert_eq!(Address::parse("omcp:///path"), Err(AddressError::NoModule("omcp:///path".into())));
        assert_eq!(Address::parse("omcp://a b/x"), Err(AddressError::InvalidModule("a b".into())));
        assert_eq!(Address::parse("omcp://a..b/x"), Err(AddressError::InvalidModule("a..b".into())));
        assert_eq!(Address::parse("omcp://a/x y"), Err(AddressError::InvalidPath("/x y".into())));
        assert_eq!(Address::new("a", "x"), Err(AddressError::InvalidPath("x".into())));
        // Multi-byte characters never split a string in the middle.
        assert!(Address::parse("omcpé://x").is_err());
    }
}
