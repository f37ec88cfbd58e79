//! The typed description of an instruction set, built by `parse` and read by every
//! renderer. Renderers never look at the syntax tree again: whatever they need is here,
//! already validated (so a future typed client is one more renderer over the same data).

// A few values per macro call: boxing variants would only add noise.
#![allow(clippy::large_enum_variant)]

use proc_macro2::Span;
use syn::{Attribute, Ident, Path, Type, Visibility};

use crate::docs::Docs;

/// A name on the wire (`vcall-create`), with where it came from for error messages.
#[derive(Debug, Clone)]
pub struct Name {
    pub value: String,
    /// The literal that gave it, or the Rust identifier it was derived from.
    pub span: Span,
    /// Whether it was derived from a Rust identifier rather than written out.
    pub derived: bool,
}

/// The annotated trait.
pub struct SetDef {
    /// Path of the runtime crate in generated code (`::osmp` or the `crate = "…"` option).
    pub krate: Path,
    pub vis: Visibility,
    /// The trait's identifier (`Vd1`).
    pub ident: Ident,
    /// The trait's attributes other than the macro's own, doc comments included.
    pub attrs: Vec<Attribute>,
    /// The instruction set's name (`vd1`).
    pub name: Name,
    pub docs: Docs,
    /// The supertraits the user wrote; `Send + Sync + 'static` are added when rendering.
    pub supertraits: syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>,
    pub commands: Vec<CommandDef>,
    pub events: Vec<EventDef>,
    /// Whether to generate the typed client (`client = false` turns it off, for sets whose
    /// types cannot be deserialized).
    pub client: bool,
}

/// One `async fn` of the trait.
pub struct CommandDef {
    /// The method's identifier (`vcall_create`).
    pub ident: Ident,
    /// The method's attributes other than `#[command]`, doc comments included.
    pub attrs: Vec<Attribute>,
    pub name: Name,
    pub aliases: Vec<Name>,
    pub version: u32,
    pub requires: Option<String>,
    /// The type of the stream messages the command sends, if declared.
    pub stream: Option<Type>,
    pub docs: Docs,
    /// The arguments after `&self`, in declaration order.
    pub args: Vec<ArgDef>,
    pub output: OutputDef,
}

/// An argument of a command.
pub enum ArgDef {
    /// The `CommandContext`, passed through.
    Context { ident: Ident, ty: Type },
    /// One parameter, taken out of the command's `data` by name.
    Param(ParamDef),
    /// A parameter struct: the whole `data` decoded at once.
    Flatten(FlattenDef),
}

/// A parameter of a command, or a field of an event declared with an argument list.
#[derive(Clone)]
pub struct ParamDef {
    pub ident: Ident,
    /// The name in `data` (`call-id`).
    pub name: Name,
    /// `#[param(doc = "…")]`.
    pub description: String,
    /// The declared type.
    pub ty: Type,
    /// For `Option<T>`, the `T`: the parameter is optional.
    pub optional: Option<Type>,
}

impl ParamDef {
    /// The type decoded from JSON: `T` for both `T` and `Option<T>`.
    pub fn value_ty(&self) -> &Type {
        self.optional.as_ref().unwrap_or(&self.ty)
    }
}

/// A `#[flatten]` argument.
#[derive(Clone)]
pub struct FlattenDef {
    pub ident: Ident,
    pub ty: Type,
}

/// What a command's (or a route's) `Result<T, E>` carries; `K` says how `T` is answered.
pub struct OutputDef<K = OutputKind> {
    /// The declared return type, as written.
    pub ty: Type,
    /// `T`.
    pub ok: Type,
    /// `E`, unless the type is an alias like `io::Result<T>` that names no error type.
    pub err: Option<Type>,
    pub kind: K,
}

/// How the success value becomes an `Outcome`, and what a typed client gets back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// `()`: an empty `OK`; the client gets `()`.
    Unit,
    /// `Outcome`: text and data of the command's choosing; the client gets the response.
    Outcome,
    /// Any other type: serialized as the response data, decoded by the client.
    Data,
}

/// One `#[event] fn` of the trait.
pub struct EventDef {
    pub ident: Ident,
    /// Doc comments and other attributes, copied onto the emitter method.
    pub attrs: Vec<Attribute>,
    pub name: Name,
    pub requires: Option<String>,
    pub docs: Docs,
    pub data: EventData,
}

/// The data of an event.
pub enum EventData {
    /// The arguments are the fields of the data object.
    Fields(Vec<ParamDef>),
    /// One `#[flatten]` argument whose type is the whole data.
    Flatten(FlattenDef),
}

/// An OMCP module: the trait of `#[module]`. It shares the pieces of an instruction set
/// that mean the same (names, documentation, parameters, bodies, results); routes replace
/// commands.
pub struct ModuleDef {
    /// Path of the `omcp` crate in generated code (`::osmp::omcp` or the `crate = "…"` option).
    pub krate: Path,
    pub vis: Visibility,
    /// The trait's identifier (`SensorNet`).
    pub ident: Ident,
    /// The trait's attributes other than the macro's own, doc comments included.
    pub attrs: Vec<Attribute>,
    /// The module's name (`sensornet`): its queue is `osiris.sensornet`.
    pub name: Name,
    pub docs: Docs,
    /// The supertraits the user wrote; `Send + Sync + 'static` are added when rendering.
    pub supertraits: syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>,
    pub routes: Vec<RouteDef>,
    /// Whether to generate the typed client.
    pub client: bool,
}

/// An OMCP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteMethod {
    Get,
    Post,
    Put,
    Delete,
    Notify,
}

impl RouteMethod {
    /// The helper attributes, by method.
    pub const ALL: [(&'static str, RouteMethod); 5] = [
        ("get", RouteMethod::Get),
        ("post", RouteMethod::Post),
        ("put", RouteMethod::Put),
        ("delete", RouteMethod::Delete),
        ("notify", RouteMethod::Notify),
    ];

    /// The name on the wire (`GET`), which is also the runtime's `Method` variant in
    /// upper camel case.
    pub fn wire(self) -> &'static str {
        match self {
            RouteMethod::Get => "GET",
            RouteMethod::Post => "POST",
            RouteMethod::Put => "PUT",
            RouteMethod::Delete => "DELETE",
            RouteMethod::Notify => "NOTIFY",
        }
    }

    /// The runtime's `Method` variant.
    pub fn variant(self) -> &'static str {
        match self {
            RouteMethod::Get => "Get",
            RouteMethod::Post => "Post",
            RouteMethod::Put => "Put",
            RouteMethod::Delete => "Delete",
            RouteMethod::Notify => "Notify",
        }
    }

    /// Whether requests of this method carry a body.
    pub fn has_body(self) -> bool {
        matches!(self, RouteMethod::Post | RouteMethod::Put | RouteMethod::Notify)
    }
}

/// A segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Literal(String),
    Param(String),
}

/// A path template (`/sensors/{id}`), checked when parsed.
#[derive(Debug, Clone)]
pub struct PathDef {
    /// As written.
    pub template: String,
    pub segments: Vec<Segment>,
    /// The string literal, where errors about the template point.
    pub span: Span,
}

impl PathDef {
    /// The parameter names, in order.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|segment| match segment {
            Segment::Param(name) => Some(name.as_str()),
            Segment::Literal(_) => None,
        })
    }

    /// The template with parameter names erased: two routes of one method with the same
    /// shape would serve the same requests.
    pub fn shape(&self) -> String {
        let segments: Vec<&str> = self
            .segments
            .iter()
            .map(|segment| match segment {
                Segment::Literal(literal) => literal.as_str(),
                Segment::Param(_) => "{}",
            })
            .collect();
        format!("/{}", segments.join("/"))
    }
}

/// One method of a module trait: a route.
pub struct RouteDef {
    /// The method's identifier (`sensor`).
    pub ident: Ident,
    /// The method's attributes other than the route attribute, doc comments included.
    pub attrs: Vec<Attribute>,
    pub method: RouteMethod,
    pub path: PathDef,
    pub docs: Docs,
    /// The arguments after `&self`, in declaration order.
    pub args: Vec<RouteArg>,
    /// The declared result; `None` for a NOTIFY route without return type.
    pub output: Option<OutputDef<ReplyKind>>,
}

impl RouteDef {
    /// The path parameter of this name.
    pub fn path_param(&self, name: &str) -> Option<&ParamDef> {
        self.args.iter().find_map(|arg| match arg {
            RouteArg::Path(param) if param.name.value == name => Some(param),
            _ => None,
        })
    }

    /// The body argument, if any.
    pub fn body(&self) -> Option<&FlattenDef> {
        self.args.iter().find_map(|arg| match arg {
            RouteArg::Body(body) => Some(body),
            _ => None,
        })
    }
}

/// An argument of a route.
pub enum RouteArg {
    /// A `{name}` of the path, decoded with `FromStr`.
    Path(ParamDef),
    /// The request body, decoded from JSON (the whole data at once, like `#[flatten]`).
    Body(FlattenDef),
    /// The request itself.
    Request { ident: Ident, ty: Type },
}

/// How a route's success value is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    /// `()`: an empty 200.
    Unit,
    /// `Created`: 201 and its location.
    Created,
    /// Any other type: a 200 with it as JSON.
    Data,
}
