//! Syntax tree → [`ModuleDef`], with the shared building blocks of `internals` (attribute
//! arguments, plain argument names, owned types, `Result` types, qualifiers and generics)
//! and its error collection.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;
use syn::{Attribute, FnArg, ItemTrait, LitStr, Meta, ReturnType, Signature, TraitItem, TraitItemFn, Type};

use super::ir::{ModuleDef, PathDef, ReplyKind, RouteArg, RouteDef, RouteMethod, Segment};
use crate::internals::attr::{helper, Spec};
use crate::internals::docs::Docs;
use crate::internals::errors::Errors;
use crate::internals::header::TraitHeader;
use crate::internals::ir::{written_name, FlattenDef, Name, OutputDef, ParamDef};
use crate::internals::param;
use crate::internals::shape::{
    arg_ident, check_trait_shape, is_shared_self, owned_type, reject_generics, reject_qualifiers, Nouns,
};
use crate::internals::types::{is_unit, last_segment_is, result_args};

const MODULE: Spec = Spec { attr: "module", keys: &["name", "crate", "client"], repeatable: &[] };
const NOUNS: Nouns = Nouns { a_trait: "a module trait", items: "routes", all_items: "routes" };
const OWNED_BECAUSE: &str = "path parameters are parsed and bodies decoded into owned values";

/// The attributes this macro gives meaning to inside the trait; they are removed from the
/// trait it emits.
pub const HELPER_ATTRS: &[&str] = &["get", "post", "put", "delete", "notify", "param"];

/// Whether an attribute is one of ours (`#[get]`, `#[param]`, …).
pub fn is_helper(attr: &Attribute) -> bool {
    HELPER_ATTRS.iter().any(|name| attr.path().is_ident(name))
}

fn route_method(attr: &Attribute) -> Option<RouteMethod> {
    RouteMethod::ALL.iter().find(|(name, _)| attr.path().is_ident(name)).map(|(_, method)| *method)
}

/// Reads the macro's arguments and the trait.
pub fn parse_module(args: TokenStream, item: &ItemTrait, errors: &Errors) -> ModuleDef {
    let (header, routes) = TraitHeader::parse(&MODULE, syn::parse_quote!(::osmp::omcp), args, item, errors, |_| {
        check_trait_shape(item, &NOUNS, errors);
        parse_routes(item, errors)
    });
    ModuleDef { header, routes }
}

/// The routes of the trait.
fn parse_routes(item: &ItemTrait, errors: &Errors) -> Vec<RouteDef> {
    let mut routes = Vec::new();
    for trait_item in &item.items {
        match trait_item {
            TraitItem::Fn(method) => routes.extend(parse_route(method, errors)),
            other => errors.spanned(
                other,
                "a module trait declares only routes: `#[get(\"/path\")] async fn name(&self, …) -> Result<T, OmcpError>;`",
            ),
        }
    }
    routes
}

fn parse_route(method: &TraitItemFn, errors: &Errors) -> Option<RouteDef> {
    let sig = &method.sig;
    let ident = &sig.ident;
    let mut marked = method.attrs.iter().filter_map(|attr| route_method(attr).map(|method| (attr, method)));
    let Some((attr, route)) = marked.next() else {
        errors.spanned(
            ident,
            format!(
                "`{ident}` has no route: mark it `#[get(\"/path\")]`, `#[post(\"/path\")]`, `#[put(\"/path\")]`, \
                 `#[delete(\"/path\")]` or `#[notify(\"/path\")]`"
            ),
        );
        return None;
    };
    for (extra, _) in marked {
        errors.spanned(extra, "a method serves one route: remove this attribute, or declare another method for it");
    }
    for attr in method.attrs.iter().filter(|attr| attr.path().is_ident("param")) {
        errors.spanned(attr, "`#[param]` applies to an argument, not to a method");
    }
    let path = parse_path(attr, errors);
    if let Some(body) = &method.default {
        errors.at(
            body.brace_token.span.open(),
            "remove the body: a module trait only declares its routes; each answers 501 NOT IMPLEMENTED until \
             an `impl` of the trait implements it",
        );
    }
    reject_qualifiers(sig, &NOUNS, errors);
    reject_generics(sig, "routes", errors);
    if sig.asyncness.is_none() {
        let fn_token = &sig.fn_token;
        errors.spanned(quote!(#fn_token #ident), format!("routes are `async fn`: write `async fn {ident}(&self, …)`"));
    }
    check_receiver(sig, errors);
    let output = parse_output(sig, route, errors);
    let args = path.as_ref().and_then(|path| parse_args(sig, route, path, errors));
    Some(RouteDef {
        ident: ident.clone(),
        attrs: method.attrs.iter().filter(|attr| !is_helper(attr)).cloned().collect(),
        method: route,
        docs: Docs::from_attrs(&method.attrs),
        path: path?,
        args: args?,
        output: output.ok()?,
    })
}

/// `#[get("/sensors/{id}")]`: the template, checked as the runtime's router reads it.
fn parse_path(attr: &Attribute, errors: &Errors) -> Option<PathDef> {
    let name = attr.path().get_ident().map(ToString::to_string).unwrap_or_default();
    let expected = format!("expected the path template as a string: `#[{name}(\"/sensors/{{id}}\")]`");
    let literal = match &attr.meta {
        Meta::List(list) => match syn::parse2::<LitStr>(list.tokens.clone()) {
            Ok(literal) => literal,
            Err(_) => {
                errors.spanned(&list.tokens, expected);
                return None;
            }
        },
        _ => {
            errors.spanned(attr, expected);
            return None;
        }
    };
    let template = literal.value();
    match parse_template(&template) {
        Ok(segments) => Some(PathDef { template, segments, span: literal.span() }),
        Err(reason) => {
            errors.spanned(&literal, format!("invalid path template `{template}`: {reason}"));
            None
        }
    }
}

/// The rules of the runtime's `PathTemplate::parse`.
fn parse_template(template: &str) -> Result<Vec<Segment>, &'static str> {
    let Some(rest) = template.strip_prefix('/') else {
        return Err("it must start with `/`");
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let mut segments = Vec::new();
    if rest.is_empty() {
        return Ok(segments);
    }
    for segment in rest.split('/') {
        if segment.is_empty() {
            return Err("it has an empty segment (`//`)");
        }
        if let Some(name) = segment.strip_prefix('{').and_then(|inner| inner.strip_suffix('}')) {
            let mut chars = name.chars();
            let identifier = chars.next().is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !identifier {
                return Err("a parameter is `{name}` with an identifier as name");
            }
            if segments.contains(&Segment::Param(name.to_owned())) {
                return Err("a parameter name appears twice");
            }
            segments.push(Segment::Param(name.to_owned()));
        } else if segment.contains(['{', '}', '?', '#']) || segment.contains(char::is_whitespace) {
            return Err("a segment is either literal text without `{`, `}`, `?`, `#` and spaces, or a whole `{name}`");
        } else {
            segments.push(Segment::Literal(segment.to_owned()));
        }
    }
    Ok(segments)
}

/// Routes run concurrently on one shared instance: `&self` it is.
fn check_receiver(sig: &Signature, errors: &Errors) {
    let Some(receiver) = sig.receiver() else {
        errors.at(
            sig.paren_token.span.join(),
            format!(
                "routes take `&self` first: write `async fn {}(&self, …)` (the server calls them on a shared instance)",
                sig.ident
            ),
        );
        return;
    };
    if !is_shared_self(receiver) {
        errors.spanned(
            receiver,
            "take `&self`: the server runs routes concurrently on a shared instance, so a route cannot take `self` \
             by value, `&mut self` or a typed `self`; keep mutable state behind a `Mutex`",
        );
    }
}

/// `Result<T, E>` for answered routes; nothing or `Result<(), E>` for NOTIFY. `Err` when
/// the return type is wrong (reported).
fn parse_output(sig: &Signature, route: RouteMethod, errors: &Errors) -> Result<Option<OutputDef<ReplyKind>>, ()> {
    let ReturnType::Type(_, ty) = &sig.output else {
        if route == RouteMethod::Notify {
            return Ok(None);
        }
        errors.at(
            sig.paren_token.span.close(),
            "routes return a `Result`: add `-> Result<(), OmcpError>` (an empty 200), `-> Result<Created, OmcpError>` \
             (201 and its location) or `-> Result<T, OmcpError>` (200 with `T` as JSON)",
        );
        return Err(());
    };
    let Some((ok, err)) = result_args(ty) else {
        let message = if route == RouteMethod::Notify {
            "NOTIFY is never answered: remove the return type, or return `Result<(), E>` to have errors logged"
                .to_owned()
        } else {
            format!(
                "routes return `Result<T, E>` where `E: Into<OmcpError>`: write `-> Result<{}, OmcpError>`",
                quote!(#ty)
            )
        };
        errors.spanned(ty, message);
        return Err(());
    };
    let kind = if is_unit(ok) {
        ReplyKind::Unit
    } else if last_segment_is(ok, "Created") {
        ReplyKind::Created
    } else {
        ReplyKind::Data
    };
    if route == RouteMethod::Notify && kind != ReplyKind::Unit {
        errors.spanned(
            ok,
            "NOTIFY is never answered: return `()` in the `Result` (its errors are logged), or remove the return type",
        );
        return Err(());
    }
    Ok(Some(OutputDef { ty: (**ty).clone(), ok: ok.clone(), err: err.cloned(), kind }))
}

/// Path parameters by name, at most one body, at most one `Request`.
fn parse_args(sig: &Signature, route: RouteMethod, path: &PathDef, errors: &Errors) -> Option<Vec<RouteArg>> {
    let mut args = Vec::new();
    let mut failed = false;
    for arg in &sig.inputs {
        let FnArg::Typed(arg) = arg else { continue };
        for attr in arg.attrs.iter().filter(|attr| route_method(attr).is_some()) {
            errors.spanned(attr, "this attribute applies to a method, not to an argument");
        }
        let Some(ident) = arg_ident(&arg.pat, errors) else {
            failed = true;
            continue;
        };
        if request_type(&arg.ty, errors) {
            if let Some(attr) = helper(&arg.attrs, "param") {
                errors.spanned(attr, "`#[param]` does not apply to the `Request` argument");
            }
            if args.iter().any(|arg| matches!(arg, RouteArg::Request { .. })) {
                errors.spanned(&arg.pat, "a route takes the `Request` once");
                failed = true;
            }
            args.push(RouteArg::Request { ident, ty: (*arg.ty).clone() });
            continue;
        }
        if !owned_type(&arg.ty, OWNED_BECAUSE, errors) {
            failed = true;
            continue;
        }
        let param_attr = param::find(&arg.attrs, errors);
        let param_args = param::args(param_attr, errors);
        let name = match param_args.string("name", errors) {
            Some(literal) => written_name(&literal),
            None => Name { value: ident.unraw().to_string(), span: ident.span(), derived: true },
        };
        if path.params().any(|param| param == name.value) {
            args.push(RouteArg::Path(ParamDef {
                description: param::description(&param_args, errors),
                optional: None,
                ty: (*arg.ty).clone(),
                ident,
                name,
            }));
            continue;
        }
        // Not in the path: the body.
        let template = &path.template;
        if !name.derived {
            errors.at(name.span, format!("the path `{template}` has no parameter `{{{}}}`", name.value));
            failed = true;
        } else if let Some(body) =
            args.iter().find_map(|arg| if let RouteArg::Body(body) = arg { Some(body) } else { None })
        {
            errors.spanned(
                &ident,
                format!(
                    "`{ident}` is not a parameter of the path `{template}`, and `{}` is the body already: name it \
                     after a `{{…}}` segment of the path, or move it into the body's type",
                    body.ident
                ),
            );
            failed = true;
        } else if !route.has_body() {
            errors.spanned(
                &ident,
                format!(
                    "`{ident}` is not a parameter of the path `{template}`, and {} requests have no body: name it \
                     after a `{{…}}` segment of the path",
                    route.wire()
                ),
            );
            failed = true;
        } else {
            if let Some(attr) = param_attr {
                errors.spanned(attr, "`#[param]` describes a path parameter; the body is described by its type");
            }
            args.push(RouteArg::Body(FlattenDef { ident, ty: (*arg.ty).clone() }));
        }
    }
    for param in path.params() {
        let taken = args.iter().any(|arg| matches!(arg, RouteArg::Path(p) if p.name.value == param));
        if !taken && !failed {
            errors.at(
                path.span,
                format!("the path parameter `{{{param}}}` has no argument: add `{param}: T` to `{}`", sig.ident),
            );
            failed = true;
        }
    }
    (!failed).then_some(args)
}

/// Whether the type is the `Request`; a reference to it is reported.
fn request_type(ty: &Type, errors: &Errors) -> bool {
    match ty {
        Type::Reference(reference) if last_segment_is(&reference.elem, "Request") => {
            errors
                .spanned(ty, "take the `Request` by value (`request: Request`): the route's future must be `'static`");
            true
        }
        _ => last_segment_is(ty, "Request"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: TokenStream, item: TokenStream) -> (Option<ModuleDef>, Vec<String>) {
        let item: ItemTrait = syn::parse2(item).unwrap();
        Errors::collect(|errors| parse_module(args, &item, errors))
    }

    #[test]
    fn reads_the_issues_example() {
        let (module, problems) = parse(
            quote!(name = "sensornet", crate = "omcp"),
            quote! {
                /// Sensors.
                pub trait SensorNet {
                    /// Read one sensor.
                    #[get("/sensors/{id}")]
                    async fn sensor(&self, id: u32) -> Result<Sensor, OmcpError>;
                    #[post("/sensors")]
                    async fn create_sensor(&self, body: NewSensor) -> Result<Created, OmcpError>;
                    #[put("/sensors/{id}/name/")]
                    async fn rename(&self, request: omcp::Request, #[param(doc = "Sensor")] id: u32, name: String) -> Result<(), E>;
                    #[notify("/samples")]
                    async fn sample(&self, body: Sample);
                }
            },
        );
        assert!(problems.is_empty(), "{problems:?}");
        let module = module.unwrap();
        assert_eq!(module.header.name.value, "sensornet");
        assert_eq!(module.header.docs.description, "Sensors.");
        let [sensor, create, rename, sample] = &module.routes[..] else { panic!("four routes") };
        assert_eq!((sensor.method, sensor.path.template.as_str()), (RouteMethod::Get, "/sensors/{id}"));
        assert_eq!(sensor.docs.description, "Read one sensor.");
        assert!(matches!(&sensor.args[..], [RouteArg::Path(id)] if id.name.value == "id"));
        assert_eq!(sensor.output.as_ref().unwrap().kind, ReplyKind::Data);
        assert!(matches!(&create.args[..], [RouteArg::Body(_)]));
        assert_eq!(create.output.as_ref().unwrap().kind, ReplyKind::Created);
        assert!(matches!(&rename.args[..], [RouteArg::Request { .. }, RouteArg::Path(_), RouteArg::Body(_)]));
        assert_eq!(rename.path_param("id").unwrap().description, "Sensor");
        assert_eq!(rename.path.shape(), "/sensors/{}/name");
        assert_eq!(rename.output.as_ref().unwrap().kind, ReplyKind::Unit);
        assert!(sample.output.is_none());
        assert_eq!(sample.body().unwrap().ident, "body");
    }

    #[test]
    fn templates() {
        assert_eq!(parse_template("/a/{b}/"), Ok(vec![Segment::Literal("a".into()), Segment::Param("b".into())]));
        assert_eq!(parse_template("/"), Ok(vec![]));
        assert!(parse_template("/{type}").is_ok(), "keywords name parameters of raw-identifier arguments");
        for invalid in ["", "a", "/a//b", "/{}", "/{1}", "/x{y}", "/{a}/{a}", "/a b", "/a?b", "/{r#type}", "/{é}"] {
            assert!(parse_template(invalid).is_err(), "{invalid}");
        }
    }

    #[test]
    fn reports_every_problem_at_once() {
        let (_, problems) = parse(
            quote!(nmae = "x"),
            quote! {
                trait Broken {
                    async fn unmarked(&self) -> Result<(), E>;
                    #[get("sensors")]
                    async fn bad_path(&self) -> Result<(), E>;
                    #[get("/sensors/{id}")]
                    async fn extra(&self, id: u32, body: String) -> Result<(), E>;
                    #[get("/sensors/{id}")]
                    async fn missing(&self) -> Result<(), E>;
                    #[notify("/x")]
                    async fn answered(&self) -> Result<u8, E>;
                    #[post("/x")]
                    fn sync(self) -> u8;
                }
            },
        );
        assert_eq!(problems.len(), 9, "{problems:#?}");
    }
}
