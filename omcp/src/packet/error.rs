//! Why bytes are not an OMCP packet.

/// Why bytes are not an OMCP packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Packets are text.
    #[error("the packet is not UTF-8 text (invalid byte at offset {0})")]
    NotUtf8(usize),
    /// Nothing to read.
    #[error("the packet is empty")]
    Empty,
    /// The first line is neither `METHOD resource OMCP/0.1` nor `OMCP/0.1 CODE TEXT`.
    #[error("invalid first line `{0}`: expected `METHOD /resource OMCP/0.1` or `OMCP/0.1 CODE TEXT`")]
    InvalidStartLine(String),
    /// A version other than OMCP/0.1.
    #[error("unsupported protocol version `{0}`: expected `OMCP/0.1`")]
    UnsupportedVersion(String),
    /// A method other than GET, POST, PUT, DELETE and NOTIFY.
    #[error("unknown method `{0}`: expected GET, POST, PUT, DELETE or NOTIFY")]
    UnknownMethod(String),
    /// A response code OMCP does not define.
    #[error("unknown response code `{0}`")]
    UnknownStatus(String),
    /// The resource of a request must be a path.
    #[error("invalid resource `{0}`: expected a path starting with `/`")]
    InvalidResource(String),
    /// A header line without a colon or without a name.
    #[error("invalid header line `{0}`: expected `name:value`")]
    InvalidHeader(String),
    /// A request without one of the headers the protocol requires.
    #[error("missing header `{0}`")]
    MissingHeader(&'static str),
    /// A `date` that is not an RFC 1123 date.
    #[error("invalid date `{0}`: expected an RFC 1123 date like `Thu, 24 Jul 2014 15:40:03 GMT`")]
    InvalidDate(String),
    /// A `content-length` that is not a number.
    #[error("invalid content-length `{0}`")]
    InvalidContentLength(String),
    /// A response where a request was expected.
    #[error("expected a request, got a response")]
    NotARequest,
    /// A request where a response was expected.
    #[error("expected a response, got a request")]
    NotAResponse,
}
