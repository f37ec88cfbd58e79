//! The OMCP/0.1 packets exactly as the original (Java) implementation writes them, and a
//! reader that accepts what it and its peers send.
//!
//! A request:
//!
//! ```text
//! POST /sensors OMCP/0.1
//! date:Thu, 24 Jul 2014 15:40:03 GMT
//! module:sensornet
//! source:dashboard
//! content-length:9
//! content-type:application/json
//!
//! {"id": 3}
//! ```
//!
//! A response:
//!
//! ```text
//! OMCP/0.1 200 OK
//! date:Thu, 24 Jul 2014 15:40:03 GMT
//! module:sensornet
//! content-length:11
//! content-type:text/plain
//!
//! request ok!
//! ```
//!
//! Writing: lines end with `\n`; headers are `name:value` with lowercase names and no space
//! after the colon; requests carry `date`, `module` (the destination), `source` and, when
//! known, `content-type`; POST, PUT and NOTIFY add `content-length`, an empty line, the
//! body and a final `\n`, while GET and DELETE end after the headers. Responses carry `date`
//! and `module` (the answering module); 200 adds `content-length`, `content-type`, an empty
//! line and the body; 201 adds `location`; every error adds `error`.
//!
//! Reading tolerates the original's quirks: `\r\n` line ends, a `content-length` counting
//! UTF-16 units (it is checked to be a number, never used for framing: one broker message
//! is one packet), bodies of several lines, headers in any order and case, a space after
//! the colon, unknown headers (kept in `headers`). It never panics: every problem is a
//! [`ParseError`].

mod codec;
mod date;
mod error;
mod method;
mod request;
mod response;
mod status;
#[cfg(test)]
mod tests;

pub use codec::Packet;
pub use date::{format_date, now, parse_date};
pub use error::ParseError;
pub use method::Method;
pub use request::Request;
pub use response::Response;
pub use status::StatusCode;

/// The protocol version every packet names.
pub const VERSION: &str = "OMCP/0.1";

/// The content type of JSON bodies.
pub const JSON: &str = "application/json";

/// The content type of plain text bodies, and of 200 responses that do not name one.
pub const TEXT: &str = "text/plain";
