//! Support for the code `#[module]` generates. Not a public API: anything here may change
//! in any release.
//!
//! Generated code names every item of this crate through this one module, so a crate that
//! re-exports it (the `osmp` facade, as `osmp::omcp`) works with the macro under its name.

use std::fmt::Display;
use std::str::FromStr;

use serde::de::DeserializeOwned;
use serde::Serialize;

pub use schemars;
pub use serde;
pub use serde_json;
pub use std::borrow::Cow;
pub use std::sync::Arc;

pub use crate::broker::Client;
pub use crate::call::TypedCallError;
pub use crate::error::OmcpError;
pub use crate::packet::{Method, Request, Response, StatusCode, JSON};
pub use crate::router::{Created, HandlerFuture, Module};
pub use crate::schema::{ModuleSchema, ParamSchema, RouteSchema};

/// An answer known before the handler runs (a parameter or body that does not decode).
pub fn ready(response: Response) -> HandlerFuture {
    Box::pin(std::future::ready(response))
}

/// The error response known before the handler runs.
pub fn ready_err(error: OmcpError) -> HandlerFuture {
    ready(Response::from(error))
}

/// Path parameter `index` (named `name`) as a `T`; 400 when it does not parse.
pub fn path_param<T>(params: &[String], index: usize, name: &str) -> Result<T, OmcpError>
where
    T: FromStr,
    T::Err: Display,
{
    let Some(raw) = params.get(index) else {
        return Err(OmcpError::internal(format!("path parameter `{name}` is missing")));
    };
    raw.parse::<T>()
        .map_err(|error| OmcpError::bad_request(format!("invalid path parameter `{name}` `{raw}`: {error}")))
}

/// The request body as a `T`; 400 when it does not decode.
pub fn body<T: DeserializeOwned>(request: &Request) -> Result<T, OmcpError> {
    request.decode_body::<T>().map_err(|error| OmcpError::bad_request(format!("invalid body: {error}")))
}

/// A route's result with its error converted (checked at the method's error type).
pub fn route_result<T, E: Into<OmcpError>>(result: Result<T, E>) -> Result<T, OmcpError> {
    result.map_err(Into::into)
}

/// 200 with the value as JSON, or the error.
pub fn reply_data<T: Serialize>(result: Result<T, OmcpError>) -> Response {
    match result {
        Ok(value) => Response::ok_json(&value).unwrap_or_else(|error| {
            Response::error(StatusCode::InternalServerError, format!("the result cannot be serialized: {error}"))
        }),
        Err(error) => Response::from(error),
    }
}

/// An empty 200, or the error.
pub fn reply_unit(result: Result<(), OmcpError>) -> Response {
    match result {
        Ok(()) => Response::ok_empty(),
        Err(error) => Response::from(error),
    }
}

/// 201 with the location, or the error.
pub fn reply_created(result: Result<Created, OmcpError>) -> Response {
    match result {
        Ok(created) => Response::from(created),
        Err(error) => Response::from(error),
    }
}

/// What a NOTIFY route without result "answers" (nobody receives it).
pub fn reply_notified() -> Response {
    Response::ok_empty()
}

/// The error of a route that is declared but not implemented.
pub fn not_implemented<E: From<OmcpError>>(method: &str, path: &str) -> E {
    E::from(OmcpError::not_implemented(format!("{method} {path} is not implemented")))
}

/// What a NOTIFY route that is not implemented does: nothing but a log line.
pub fn notify_not_implemented(path: &str) {
    tracing::debug!(%path, "NOTIFY ignored: the route is not implemented");
}

/// The JSON of a body to send.
pub fn json_body<T: Serialize + ?Sized>(value: &T) -> Result<String, TypedCallError> {
    serde_json::to_string(value).map_err(TypedCallError::Encode)
}

/// Appends a literal part of a path template.
pub fn push_literal(path: &mut String, literal: &str) {
    path.push_str(literal);
}

/// Appends a path parameter as the original client sends it: as it is, but for the
/// characters that cannot travel so.
pub fn push_param<T: Display + ?Sized>(path: &mut String, value: &T) {
    crate::percent::push_plain_segment(path, &value.to_string());
}

/// Sends an answered request; an error response is `Err(TypedCallError::Status)`.
pub async fn call(
    client: &Client,
    module: &str,
    method: Method,
    path: String,
    body: Option<String>,
) -> Result<Response, TypedCallError> {
    let mut request = Request::new(method, module, path);
    request.content_type = Some(JSON.to_owned());
    if let Some(body) = body {
        request.body = body;
    }
    let response = client.request(request).await?;
    response.into_result().map_err(TypedCallError::Status)
}

/// Sends a notification.
pub async fn notify(client: &Client, module: &str, path: String, body: Option<String>) -> Result<(), TypedCallError> {
    let mut request = Request::new(Method::Notify, module, path);
    request.content_type = Some(JSON.to_owned());
    if let Some(body) = body {
        request.body = body;
    }
    client.notify(request).await.map_err(TypedCallError::Client)
}

/// The JSON value of a 200.
pub fn decode_data<T: DeserializeOwned>(response: Response) -> Result<T, TypedCallError> {
    if response.status != StatusCode::Ok {
        return Err(TypedCallError::Unexpected(response.status));
    }
    response.decode_body::<T>().map_err(TypedCallError::Decode)
}

/// A 200 whose body does not matter.
pub fn decode_unit(response: Response) -> Result<(), TypedCallError> {
    match response.status {
        StatusCode::Ok => Ok(()),
        other => Err(TypedCallError::Unexpected(other)),
    }
}

/// The location of a 201.
pub fn decode_created(response: Response) -> Result<Created, TypedCallError> {
    match (response.status, response.location) {
        (StatusCode::Created, Some(location)) => Ok(Created::at(location)),
        (status, _) => Err(TypedCallError::Unexpected(status)),
    }
}
