//! The typed description of an OMCP module, built by `parse` and read by every renderer:
//! the trait's header and its routes.

// A few values per macro call: boxing variants would only add noise.
#![allow(clippy::large_enum_variant)]

use proc_macro2::Span;
use syn::{Attribute, Ident, Type};

use crate::internals::docs::Docs;
use crate::internals::header::TraitHeader;
use crate::internals::ir::{FlattenDef, OutputDef, ParamDef};

/// An OMCP module: the trait of `#[module]`. It shares the pieces of an instruction set
/// that mean the same (names, documentation, parameters, bodies, results); routes replace
/// commands.
pub struct ModuleDef {
    /// The trait as a whole: crate path (`omcp`'s), identifier, the module's name
    /// (`sensornet`), docs, client flag.
    pub header: TraitHeader,
    pub routes: Vec<RouteDef>,
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
