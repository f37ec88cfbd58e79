//! From a request to the code that answers it.
//!
//! A [`Handler`] answers any request; a server runs one. A [`Module`] (what
//! `#[module]` generates) declares routes, a method and a path template each
//! (`GET /sensors/{id}`), and runs one of them with its decoded path parameters; the
//! [`Router`] turns a module into a handler: it matches the path, answers 404 when no
//! template matches and 405 when templates match but none with the request's method.

use std::cmp::Ordering;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

use crate::address::{Address, AddressError};
use crate::error::OmcpError;
use crate::packet::{Method, Request, Response};
use crate::percent::percent_decode;
use crate::schema::ModuleSchema;

/// The future of an answer.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Response> + Send + 'static>>;

/// Answers requests. The server sends the response when the request has a `reply_to`
/// (GET, POST, PUT, DELETE) and drops it otherwise (NOTIFY); it fills in `date`, `module`
/// and completes a relative `location`.
///
/// Any `Fn(Request) -> impl Future<Output = Response>` is a handler:
///
/// ```
/// use omcp::{Handler, Request, Response};
///
/// fn echo() -> impl Handler {
///     |request: Request| async move { Response::ok("text/plain", request.body) }
/// }
/// ```
pub trait Handler: Send + Sync + 'static {
    /// The response to `request`.
    fn handle(&self, request: Request) -> HandlerFuture;
}

impl<F, Fut> Handler for F
where
    F: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    fn handle(&self, request: Request) -> HandlerFuture {
        Box::pin(self(request))
    }
}

/// A module of routes, as `#[module]` generates it (`SensorNetServer<T>`).
pub trait Module: Send + Sync + 'static {
    /// The module's name and routes. Route `i` of [`call`](Module::call) is `routes[i]`.
    fn schema(&self) -> &ModuleSchema;

    /// Runs route number `route` with the values of its path parameters (their `%XX`
    /// escapes decoded, in the order of the template) and the request.
    fn call(&self, route: usize, params: Vec<String>, request: Request) -> HandlerFuture;
}

/// A [`Module`] as a [`Handler`]: matches each request's path against the routes.
///
/// When several templates match, the one with a literal segment where the others have a
/// parameter wins (`/sensors/count` before `/sensors/{id}`). A trailing `/` and empty
/// segments are ignored.
///
/// A segment reads the same whether the caller sent it as it is, as the original Java
/// client does (`/echo/café:1`), or percent-encoded (`/echo/caf%C3%A9%3A1`): every `%XX`
/// escape is decoded, in parameters and in literal segments alike. A `%` that does not
/// start an escape of UTF-8 (`100%`, `%zz`) is answered `400 BAD REQUEST`: callers send a
/// `%` as `%25` (see [`push_plain_segment`](crate::push_plain_segment)).
pub struct Router<M> {
    module: M,
    routes: Vec<(Method, Option<PathTemplate>)>,
}

impl<M: Module> Router<M> {
    /// Routes requests to `module`. A route whose template is invalid never matches (and is
    /// logged); `#[module]` rejects invalid templates at compile time.
    pub fn new(module: M) -> Router<M> {
        let routes = module
            .schema()
            .routes
            .iter()
            .map(|route| {
                let template = PathTemplate::parse(&route.path)
                    .inspect_err(|error| tracing::error!(path = %route.path, %error, "route ignored"))
                    .ok();
                (route.method, template)
            })
            .collect();
        Router { module, routes }
    }

    /// The module.
    pub fn module(&self) -> &M {
        &self.module
    }

    /// The route a request goes to with its path parameters, or why there is none (404,
    /// 405, or 400 for a bad percent-encoding).
    pub fn route(&self, method: Method, path: &str) -> Result<(usize, Vec<String>), OmcpError> {
        let segments = split_path(path);
        let mut best: Option<(usize, Vec<&str>, &PathTemplate)> = None;
        let mut allowed: Vec<Method> = Vec::new();
        for (index, (route_method, template)) in self.routes.iter().enumerate() {
            let Some(template) = template else { continue };
            let Some(captures) = template.matches(&segments) else { continue };
            if *route_method != method {
                if !allowed.contains(route_method) {
                    allowed.push(*route_method);
                }
                continue;
            }
            let better = match &best {
                None => true,
                Some((_, _, current)) => template.specificity_cmp(current) == Ordering::Greater,
            };
            if better {
                best = Some((index, captures, template));
            }
        }
        match best {
            Some((index, captures, _)) => {
                let params =
                    captures.iter().map(|raw| percent_decode(raw)).collect::<Result<Vec<String>, String>>().map_err(
                        |raw| OmcpError::bad_request(format!("invalid percent-encoding in path segment `{raw}`")),
                    )?;
                Ok((index, params))
            }
            None if !allowed.is_empty() => {
                let allowed: Vec<&str> = allowed.iter().map(|method| method.as_str()).collect();
                Err(OmcpError::method_not_allowed(format!(
                    "{method} is not allowed on {path}; allowed: {}",
                    allowed.join(", ")
                )))
            }
            // The response's `module` header names the module, under whatever name it is served.
            None => Err(OmcpError::not_found(format!("no resource {path}"))),
        }
    }
}

impl<M: Module> Handler for Router<M> {
    fn handle(&self, request: Request) -> HandlerFuture {
        match self.route(request.method, request.path()) {
            Ok((route, params)) => self.module.call(route, params, request),
            Err(error) => Box::pin(std::future::ready(Response::from(error))),
        }
    }
}

impl<M> fmt::Debug for Router<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Router").field("routes", &self.routes).finish_non_exhaustive()
    }
}

/// A path template: literal segments and `{name}` parameters (`/sensors/{id}/samples`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTemplate {
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

/// Why a path template is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid path template `{template}`: {reason}")]
pub struct TemplateError {
    template: String,
    reason: &'static str,
}

impl PathTemplate {
    /// Reads a template. It starts with `/`; each segment is literal text (without `{`,
    /// `}`, `?`, `#` and white space) or a whole-segment parameter `{name}` whose name is
    /// an identifier; a parameter name appears once.
    pub fn parse(template: &str) -> Result<PathTemplate, TemplateError> {
        let error = |reason| TemplateError { template: template.to_owned(), reason };
        let Some(rest) = template.strip_prefix('/') else {
            return Err(error("it must start with `/`"));
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let mut segments = Vec::new();
        if rest.is_empty() {
            return Ok(PathTemplate { segments });
        }
        for segment in rest.split('/') {
            if segment.is_empty() {
                return Err(error("it has an empty segment (`//`)"));
            }
            if let Some(name) = segment.strip_prefix('{').and_then(|inner| inner.strip_suffix('}')) {
                if !is_identifier(name) {
                    return Err(error("a parameter is `{name}` with an identifier as name"));
                }
                if segments.contains(&Segment::Param(name.to_owned())) {
                    return Err(error("a parameter name appears twice"));
                }
                segments.push(Segment::Param(name.to_owned()));
            } else if segment.contains(['{', '}', '?', '#']) || segment.contains(char::is_whitespace) {
                return Err(error(
                    "a segment is either literal text without `{`, `}`, `?`, `#` and spaces, or a whole `{name}`",
                ));
            } else {
                // Kept decoded, so that it matches either form of a request's segment.
                let literal = percent_decode(segment).unwrap_or_else(|written| written);
                segments.push(Segment::Literal(literal));
            }
        }
        Ok(PathTemplate { segments })
    }

    /// The parameter names, in order.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|segment| match segment {
            Segment::Param(name) => Some(name.as_str()),
            Segment::Literal(_) => None,
        })
    }

    /// The raw values of the parameters if the path's segments match.
    fn matches<'a>(&self, segments: &[&'a str]) -> Option<Vec<&'a str>> {
        if segments.len() != self.segments.len() {
            return None;
        }
        let mut captures = Vec::new();
        for (template, segment) in self.segments.iter().zip(segments) {
            match template {
                Segment::Literal(literal) if literal_matches(literal, segment) => {}
                Segment::Literal(_) => return None,
                Segment::Param(_) => captures.push(*segment),
            }
        }
        Some(captures)
    }

    /// `Greater` when `self` has a literal at the first position where the two differ.
    fn specificity_cmp(&self, other: &PathTemplate) -> Ordering {
        let literal = |segment: &Segment| matches!(segment, Segment::Literal(_));
        self.segments.iter().map(literal).cmp(other.segments.iter().map(literal))
    }
}

/// Whether a request's segment is a template's literal (kept decoded): as it is, or
/// percent-encoded.
fn literal_matches(literal: &str, segment: &str) -> bool {
    literal == segment || (segment.contains('%') && percent_decode(segment).is_ok_and(|decoded| decoded == literal))
}

/// The non-empty segments of a path.
fn split_path(path: &str) -> Vec<&str> {
    path.split('/').filter(|segment| !segment.is_empty()).collect()
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// What a POST handler returns: the location of the new resource, answered as 201 with a
/// `location` header.
///
/// The location is a path of the answering module (`Created::at("/sensors/3")`, sent as
/// `omcp://sensornet/sensors/3`) or a full address of any module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    location: String,
}

impl Created {
    /// A resource created at `location`: a path of this module or an `omcp://` address.
    pub fn at(location: impl Into<String>) -> Created {
        Created { location: location.into() }
    }

    /// The location, as the handler gave it or (on the caller's side) as the module sent it.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// The location as an address (a full `omcp://` one, as callers receive it).
    pub fn address(&self) -> Result<Address, AddressError> {
        Address::parse(&self.location)
    }
}

impl From<Created> for Response {
    fn from(created: Created) -> Response {
        Response::created(created.location)
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::packet::StatusCode;
    use crate::schema::RouteSchema;

    #[test]
    fn templates() {
        let template = PathTemplate::parse("/sensors/{id}/samples/").unwrap();
        assert_eq!(template.params().collect::<Vec<_>>(), ["id"]);
        assert_eq!(template.matches(&["sensors", "3", "samples"]), Some(vec!["3"]));
        assert_eq!(template.matches(&["sensors", "3"]), None);
        assert_eq!(template.matches(&["sensor", "3", "samples"]), None);
        assert_eq!(PathTemplate::parse("/").unwrap().matches(&[]), Some(vec![]));
        for invalid in ["", "sensors", "/a//b", "/{}", "/{1d}", "/a{id}", "/{id}/{id}", "/a b", "/a?b", "/{id"] {
            assert!(PathTemplate::parse(invalid).is_err(), "{invalid}");
        }
        assert_eq!(
            PathTemplate::parse("x").unwrap_err().to_string(),
            "invalid path template `x`: it must start with `/`"
        );
    }

    struct Routes(ModuleSchema);

    impl Module for Routes {
        fn schema(&self) -> &ModuleSchema {
            &self.0
        }

        fn call(&self, route: usize, params: Vec<String>, _: Request) -> HandlerFuture {
            Box::pin(std::future::ready(Response::ok("text/plain", format!("{route} {params:?}"))))
        }
    }

    fn route(method: Method, path: &'static str) -> RouteSchema {
        RouteSchema {
            method,
            path: Cow::Borrowed(path),
            name: Cow::Borrowed("r"),
            description: Cow::Borrowed(""),
            long_description: Cow::Borrowed(""),
            params: Cow::Borrowed(&[]),
            body: None,
            response: None,
            success: None,
        }
    }

    fn router(routes: Vec<RouteSchema>) -> Router<Routes> {
        Router::new(Routes(ModuleSchema {
            name: Cow::Borrowed("m"),
            description: Cow::Borrowed(""),
            long_description: Cow::Borrowed(""),
            routes: Cow::Owned(routes),
        }))
    }

    #[test]
    fn routing() {
        let router = router(vec![
            route(Method::Get, "/sensors/{id}"),
            route(Method::Get, "/sensors/count"),
            route(Method::Put, "/sensors/{id}"),
            route(Method::Get, "/{kind}/{id}/x"),
            route(Method::Get, "/sensors/{id}/{field}"),
            route(Method::Post, "/bad template"),
        ]);
        assert_eq!(router.route(Method::Get, "/sensors/3"), Ok((0, vec!["3".to_owned()])));
        assert_eq!(router.route(Method::Get, "/sensors/count"), Ok((1, vec![])));
        assert_eq!(router.route(Method::Put, "//sensors/a%20b/"), Ok((2, vec!["a b".to_owned()])));
        assert_eq!(router.route(Method::Get, "/sensors/3/x"), Ok((4, vec!["3".to_owned(), "x".to_owned()])));
        assert_eq!(router.route(Method::Get, "/things/3/x"), Ok((3, vec!["things".to_owned(), "3".to_owned()])));

        let not_allowed = router.route(Method::Delete, "/sensors/3").unwrap_err();
        assert_eq!(
            not_allowed,
            OmcpError::method_not_allowed("DELETE is not allowed on /sensors/3; allowed: GET, PUT")
        );
        let not_found = router.route(Method::Get, "/nothing").unwrap_err();
        assert_eq!(not_found, OmcpError::not_found("no resource /nothing"));
        assert_eq!(router.route(Method::Post, "/bad template").unwrap_err().status(), StatusCode::NotFound);
        assert_eq!(router.route(Method::Get, "/sensors/%zz").unwrap_err().status(), StatusCode::BadRequest);
    }

    #[test]
    fn segments_as_they_are_or_percent_encoded() {
        let router = router(vec![
            route(Method::Get, "/echo/{text}"),
            route(Method::Get, "/café/{text}"),
            route(Method::Get, "/a%20b"),
            route(Method::Get, "/100%"),
        ]);
        let echoed = Ok((0, vec!["café:1".to_owned()]));
        // As the original client sends it, percent-encoded, and half and half.
        assert_eq!(router.route(Method::Get, "/echo/café:1"), echoed);
        assert_eq!(router.route(Method::Get, "/echo/caf%C3%A9%3A1"), echoed);
        assert_eq!(router.route(Method::Get, "/%65cho/caf%c3%a9:1"), echoed);
        assert_eq!(router.route(Method::Get, "/echo/a%2Fb%3Fc%25d%20e"), Ok((0, vec!["a/b?c%d e".to_owned()])));
        // Literal segments, written either way in the template and in the request.
        assert_eq!(router.route(Method::Get, "/café/x"), Ok((1, vec!["x".to_owned()])));
        assert_eq!(router.route(Method::Get, "/caf%C3%A9/x"), Ok((1, vec!["x".to_owned()])));
        assert_eq!(router.route(Method::Get, "/a%20b"), Ok((2, vec![])));
        assert_eq!(router.route(Method::Get, "/100%"), Ok((3, vec![])));
        // A `%` that starts no escape in a parameter: 400, never a guess.
        let stray = router.route(Method::Get, "/echo/100%").unwrap_err();
        assert_eq!(stray, OmcpError::bad_request("invalid percent-encoding in path segment `100%`"));
    }

    #[test]
    fn created() {
        let created = Created::at("omcp://sensornet/sensors/3");
        assert_eq!(created.address().unwrap().path, "/sensors/3");
        let response = Response::from(Created::at("/sensors/3"));
        assert_eq!((response.status, response.location.as_deref()), (StatusCode::Created, Some("/sensors/3")));
    }
}
