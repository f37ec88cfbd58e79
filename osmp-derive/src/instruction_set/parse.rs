//! Syntax tree → [`SetDef`]. Every rule that concerns one item is checked here, with an
//! error at the offending tokens that says how to fix it; rules across items are in
//! `check`. Parsing goes on after an error so that all of them are reported together.

use proc_macro2::TokenStream;
use syn::{Attribute, FnArg, Ident, ItemTrait, ReturnType, Signature, TraitItem, TraitItemFn, Type};

use super::ir::{ArgDef, CommandDef, EventData, EventDef, OutputKind, SetDef};
use crate::internals::attr::{helper, reject_duplicates, Args, Spec};
use crate::internals::docs::Docs;
use crate::internals::errors::Errors;
use crate::internals::header::TraitHeader;
use crate::internals::ir::{name_or_derived, written_name, FlattenDef, Name, OutputDef, ParamDef};
use crate::internals::param;
use crate::internals::shape::{
    arg_ident, check_trait_shape, is_shared_self, owned_type, reject_generics, reject_qualifiers, Nouns,
};
use crate::internals::suggest::closest;
use crate::internals::types::{is_unit, last_segment_is, option_inner, result_args};

const SET: Spec =
    Spec { attr: "instruction_set", keys: &["name", "version", "requires", "crate", "client"], repeatable: &[] };
const COMMAND: Spec = Spec {
    attr: "command",
    keys: &["name", "alias", "aliases", "version", "requires", "stream"],
    repeatable: &["alias"],
};
const EVENT: Spec = Spec { attr: "event", keys: &["name", "requires"], repeatable: &[] };
const FLATTEN: Spec = Spec { attr: "flatten", keys: &[], repeatable: &[] };

/// The attributes this macro gives meaning to inside the trait; they are removed from the
/// trait it emits.
pub const HELPER_ATTRS: &[&str] = &["command", "event", "param", "flatten"];

/// Whether an attribute is one of ours (`#[command]`, `#[param]`, …), or a misspelling of
/// one (reported, and removed like the others so that rustc does not report it again).
pub fn is_helper(attr: &Attribute) -> bool {
    HELPER_ATTRS.iter().any(|name| attr.path().is_ident(name)) || misspelled_helper(attr).is_some()
}

/// The helper attribute a plain attribute was probably meant to be (`#[commmand]`).
fn misspelled_helper(attr: &Attribute) -> Option<&'static str> {
    let ident = attr.path().get_ident()?.to_string();
    if HELPER_ATTRS.contains(&ident.as_str()) {
        return None;
    }
    closest(&ident, HELPER_ATTRS.iter().copied())
}

/// Reports misspelled helper attributes among `attrs`; whether there was one.
fn report_misspelled_helpers(attrs: &[Attribute], errors: &Errors) -> bool {
    let mut found = false;
    for attr in attrs {
        if let Some(meant) = misspelled_helper(attr) {
            let written = attr.path().get_ident().map(ToString::to_string).unwrap_or_default();
            errors.spanned(attr.path(), format!("unknown attribute `#[{written}]`; did you mean `#[{meant}]`?"));
            found = true;
        }
    }
    found
}

/// What the set gives its commands and events unless they say otherwise.
struct Defaults {
    version: u32,
    requires: Option<String>,
}

/// Reads the macro's arguments and the trait.
pub fn parse_set(args: TokenStream, item: &ItemTrait, errors: &Errors) -> SetDef {
    let (header, (commands, events)) =
        TraitHeader::parse(&SET, syn::parse_quote!(::osmp), args, item, errors, |args| {
            let defaults = Defaults {
                version: args.u32("version", errors).unwrap_or(0),
                requires: args.string("requires", errors).map(|text| text.value()),
            };
            check_trait_shape(item, &SET_NOUNS, errors);
            parse_items(item, &defaults, errors)
        });
    SetDef { header, commands, events }
}

/// The commands and events of the trait.
fn parse_items(item: &ItemTrait, defaults: &Defaults, errors: &Errors) -> (Vec<CommandDef>, Vec<EventDef>) {
    let mut commands = Vec::new();
    let mut events = Vec::new();
    for trait_item in &item.items {
        match trait_item {
            TraitItem::Fn(method) if report_misspelled_helpers(&method.attrs, errors) => {
                // What the method was meant to be is unknown: its other errors would mislead.
            }
            TraitItem::Fn(method) => match helper(&method.attrs, "event") {
                Some(attr) => events.extend(parse_event(method, attr, defaults, errors)),
                None => commands.extend(parse_command(method, defaults, errors)),
            },
            other => errors.spanned(
                other,
                "an instruction set trait declares only commands (`async fn name(&self, …) -> Result<T, CommandError>;`) \
                 and events (`#[event] fn name(…);`)",
            ),
        }
    }
    (commands, events)
}

const SET_NOUNS: Nouns =
    Nouns { a_trait: "an instruction set trait", items: "commands", all_items: "commands and events" };

fn parse_command(method: &TraitItemFn, defaults: &Defaults, errors: &Errors) -> Option<CommandDef> {
    let sig = &method.sig;
    if sig.asyncness.is_none() && sig.receiver().is_none() && helper(&method.attrs, "command").is_none() {
        // No marker and neither `async` nor `&self`: probably an event without `#[event]`.
        errors.spanned(
            &sig.ident,
            format!(
                "`{0}` is neither a command nor an event: declare a command as \
                 `async fn {0}(&self, …) -> Result<T, CommandError>;` or an event as `#[event] fn {0}(…);`",
                sig.ident
            ),
        );
        return None;
    }
    let args = command_attr(&method.attrs, errors);
    reject_helpers_except(&method.attrs, "command", errors);
    reject_body(method, "command", errors);
    reject_qualifiers(sig, &SET_NOUNS, errors);
    reject_generics(sig, "commands", errors);
    if sig.asyncness.is_none() {
        let (fn_token, ident) = (&sig.fn_token, &sig.ident);
        errors.spanned(
            quote::quote!(#fn_token #ident),
            format!("commands are `async fn`: write `async fn {ident}(&self, …) -> Result<T, CommandError>;`"),
        );
    }
    check_receiver(sig, errors);
    let output = parse_output(sig, errors);
    let arguments = parse_command_args(sig, errors);

    let mut aliases: Vec<Name> = args.strings("alias", errors).iter().map(written_name).collect();
    aliases.extend(args.string_list("aliases", errors).iter().map(written_name));
    Some(CommandDef {
        ident: sig.ident.clone(),
        attrs: method.attrs.iter().filter(|attr| !is_helper(attr)).cloned().collect(),
        name: name_or_derived(args.string("name", errors), &sig.ident),
        aliases,
        version: args.u32("version", errors).unwrap_or(defaults.version),
        requires: args.string("requires", errors).map(|text| text.value()).or_else(|| defaults.requires.clone()),
        stream: args.ty("stream", errors),
        docs: Docs::from_attrs(&method.attrs),
        args: arguments?,
        output: output?,
    })
}

/// The arguments of `#[command(…)]`, or none when the attribute is absent (it is optional).
fn command_attr(attrs: &[Attribute], errors: &Errors) -> Args {
    let Some(first) = helper(attrs, "command") else {
        return Args::empty();
    };
    reject_duplicates(attrs, "command", errors);
    Args::from_attr(&COMMAND, first, errors)
}

fn parse_event(method: &TraitItemFn, attr: &Attribute, defaults: &Defaults, errors: &Errors) -> Option<EventDef> {
    let sig = &method.sig;
    let args = Args::from_attr(&EVENT, attr, errors);
    reject_helpers_except(&method.attrs, "event", errors);
    reject_duplicates(&method.attrs, "event", errors);
    reject_body(method, "event", errors);
    reject_qualifiers(sig, &SET_NOUNS, errors);
    reject_generics(sig, "events", errors);
    if let Some(asyncness) = &sig.asyncness {
        errors.spanned(asyncness, "events are not `async`: remove `async`; an event only declares its data");
    }
    if let Some(receiver) = sig.receiver() {
        errors.spanned(
            receiver,
            "events take no receiver: remove `self`; the arguments are the fields of the event's data",
        );
    }
    if let ReturnType::Type(arrow, ty) = &sig.output {
        errors.spanned(
            quote::quote!(#arrow #ty),
            "events have no return type: remove it; the arguments declare the event's data \
             (emitting returns `Result<usize, EmitError>`)",
        );
    }

    let mut fields = Vec::new();
    let mut flatten: Option<FlattenDef> = None;
    let mut failed = false;
    for arg in &sig.inputs {
        let FnArg::Typed(arg) = arg else { continue };
        let Some(ident) = arg_ident(&arg.pat, errors) else {
            failed = true;
            continue;
        };
        if context_type(&arg.ty, errors) {
            errors.spanned(&arg.ty, "events have no `CommandContext`: remove this argument");
            failed = true;
            continue;
        }
        match parse_data_arg(arg, ident, &mut flatten, errors) {
            Some(DataArg::Param(param)) => fields.push(param),
            Some(DataArg::Flatten) => {}
            None => failed = true,
        }
    }
    let data = match flatten {
        Some(flatten) => {
            reject_beside_flatten(&fields, &flatten, errors);
            EventData::Flatten(flatten)
        }
        None => EventData::Fields(fields),
    };
    if failed {
        return None;
    }
    Some(EventDef {
        ident: sig.ident.clone(),
        attrs: method.attrs.iter().filter(|attr| !is_helper(attr)).cloned().collect(),
        name: name_or_derived(args.string("name", errors), &sig.ident),
        requires: args.string("requires", errors).map(|text| text.value()).or_else(|| defaults.requires.clone()),
        docs: Docs::from_attrs(&method.attrs),
        data,
    })
}

/// Helper attributes that do not belong on a method (`#[param]` there, or both
/// `#[command]` and `#[event]`).
fn reject_helpers_except(attrs: &[Attribute], allowed: &str, errors: &Errors) {
    for attr in attrs.iter().filter(|attr| is_helper(attr) && !attr.path().is_ident(allowed)) {
        let message = if attr.path().is_ident("command") || attr.path().is_ident("event") {
            "a method is either a `#[command]` or an `#[event]`, not both".to_owned()
        } else {
            format!(
                "`#[{}]` applies to an argument, not to a method",
                attr.path().get_ident().map_or_else(String::new, Ident::to_string)
            )
        };
        errors.spanned(attr, message);
    }
}

fn reject_body(method: &TraitItemFn, kind: &str, errors: &Errors) {
    if let Some(body) = &method.default {
        errors.at(
            body.brace_token.span.open(),
            format!(
                "remove the body: an instruction set trait only declares its {kind}s{}",
                if kind == "command" { "; implement them in `impl Trait for YourType`" } else { "" }
            ),
        );
    }
}

/// Commands run concurrently on one shared instance: `&self` it is.
fn check_receiver(sig: &Signature, errors: &Errors) {
    let Some(receiver) = sig.receiver() else {
        errors.at(
            sig.paren_token.span.join(),
            format!(
                "commands take `&self` first: write `async fn {}(&self, …)` (the server calls them on a shared \
                 instance); an event is declared with `#[event]`",
                sig.ident
            ),
        );
        return;
    };
    if !is_shared_self(receiver) {
        let message = if matches!(&receiver.reference, Some((_, Some(_)))) {
            "remove the lifetime: take `&self`".to_owned()
        } else {
            "take `&self`: the server calls commands concurrently on a shared instance, so a command cannot take \
             `self` by value, `&mut self` or a typed `self`; keep mutable state behind a `Mutex`"
                .to_owned()
        };
        errors.spanned(receiver, message);
    }
}

/// `Result<T, E>` (or an alias `Result<T>`) with `E: Into<CommandError>`.
fn parse_output(sig: &Signature, errors: &Errors) -> Option<OutputDef<OutputKind>> {
    let ReturnType::Type(_, ty) = &sig.output else {
        errors.at(
            sig.paren_token.span.close(),
            "commands return a `Result`: add `-> Result<(), CommandError>` (or `-> Result<T, CommandError>` with \
             data `T`, or `-> Result<Outcome, CommandError>`)",
        );
        return None;
    };
    let Some((ok, err)) = result_args(ty) else {
        errors.spanned(
            ty,
            format!(
                "commands return `Result<T, E>` where `E` converts into `CommandError`: write \
                 `-> Result<{}, CommandError>`",
                quote::quote!(#ty)
            ),
        );
        return None;
    };
    let kind = if is_unit(ok) {
        OutputKind::Unit
    } else if last_segment_is(ok, "Outcome") {
        OutputKind::Outcome
    } else {
        if let Some(shape) = non_object_shape(ok) {
            errors.spanned(ok, non_object_message(ok, shape));
        }
        OutputKind::Data
    };
    Some(OutputDef { ty: (**ty).clone(), ok: ok.clone(), err: err.cloned(), kind })
}

/// What a result type plainly is when that is not a JSON object: sequences, strings,
/// numbers, booleans and tuples (also behind `Option`, `Box`, `Arc`, `Rc`). Other types
/// (structs, maps, enums, `serde_json::Value`) are checked by the server at start-up from
/// their JSON Schema.
fn non_object_shape(ty: &Type) -> Option<&'static str> {
    const SEQUENCES: &[&str] = &["Vec", "VecDeque", "LinkedList", "HashSet", "BTreeSet", "BinaryHeap", "IndexSet"];
    const STRINGS: &[&str] = &["String", "str", "char", "PathBuf", "OsString"];
    const NUMBERS: &[&str] =
        &["u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64"];
    const WRAPPERS: &[&str] = &["Option", "Box", "Arc", "Rc", "Cow"];
    match ty {
        Type::Array(_) | Type::Slice(_) => Some("an array"),
        Type::Tuple(tuple) if !tuple.elems.is_empty() => Some("an array"),
        Type::Reference(reference) => non_object_shape(&reference.elem),
        Type::Paren(inner) => non_object_shape(&inner.elem),
        Type::Group(inner) => non_object_shape(&inner.elem),
        Type::Path(path) if path.qself.is_none() => {
            let last = path.path.segments.last()?;
            let name = last.ident.to_string();
            if WRAPPERS.contains(&name.as_str()) {
                let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
                return args.args.iter().find_map(|arg| match arg {
                    syn::GenericArgument::Type(inner) => non_object_shape(inner),
                    _ => None,
                });
            }
            if SEQUENCES.contains(&name.as_str()) {
                Some("an array")
            } else if STRINGS.contains(&name.as_str()) {
                Some("a string")
            } else if NUMBERS.contains(&name.as_str()) || name.starts_with("NonZero") {
                Some("a number")
            } else if name == "bool" {
                Some("a boolean")
            } else {
                None
            }
        }
        _ => None,
    }
}

fn non_object_message(ty: &Type, shape: &str) -> String {
    let ty =
        quote::quote!(#ty).to_string().replace(" < ", "<").replace(" >", ">").replace("< ", "<").replace(" ,", ",");
    let text = if shape == "a string" {
        "; or, to answer with a text, return `Outcome::text(…)` from `-> Result<Outcome, CommandError>`"
    } else {
        ""
    };
    format!(
        "a command's result is the response's `data`, a JSON object, but `{ty}` is {shape}: return a struct \
         with a named field instead, like `#[derive(Serialize, Deserialize, JsonSchema)] struct Answer {{ value: \
         {ty} }}` and `-> Result<Answer, CommandError>`{text} (`Option<Answer>` answers without data when `None`)"
    )
}

fn parse_command_args(sig: &Signature, errors: &Errors) -> Option<Vec<ArgDef>> {
    let mut args = Vec::new();
    let mut flatten: Option<FlattenDef> = None;
    let mut context: Option<Ident> = None;
    let mut failed = false;
    for arg in &sig.inputs {
        let FnArg::Typed(arg) = arg else { continue };
        let Some(ident) = arg_ident(&arg.pat, errors) else {
            failed = true;
            continue;
        };
        if context_type(&arg.ty, errors) {
            for attr in arg.attrs.iter().filter(|attr| is_helper(attr)) {
                errors.spanned(attr, "this attribute does not apply to the `CommandContext` argument");
            }
            if let Some(first) = &context {
                errors.spanned(&arg.pat, format!("a command takes one `CommandContext`; `{first}` is already one"));
                failed = true;
            }
            context = Some(ident.clone());
            args.push(ArgDef::Context { ident, ty: (*arg.ty).clone() });
            continue;
        }
        match parse_data_arg(arg, ident, &mut flatten, errors) {
            Some(DataArg::Param(param)) => args.push(ArgDef::Param(param)),
            Some(DataArg::Flatten) => args.extend(flatten.clone().map(ArgDef::Flatten)),
            None => failed = true,
        }
    }
    if let Some(flatten) = &flatten {
        let beside: Vec<&ParamDef> =
            args.iter().filter_map(|arg| if let ArgDef::Param(param) = arg { Some(param) } else { None }).collect();
        reject_beside_flatten(beside, flatten, errors);
    }
    (!failed).then_some(args)
}

#[allow(clippy::large_enum_variant)] // short-lived, one per argument
enum DataArg {
    Param(ParamDef),
    /// The first `#[flatten]` argument, recorded in the `flatten` slot passed in.
    Flatten,
}

/// A data argument of a command or event: a parameter, or the `#[flatten]` struct.
fn parse_data_arg(
    arg: &syn::PatType,
    ident: Ident,
    flatten: &mut Option<FlattenDef>,
    errors: &Errors,
) -> Option<DataArg> {
    report_misspelled_helpers(&arg.attrs, errors);
    for attr in arg.attrs.iter().filter(|attr| attr.path().is_ident("command") || attr.path().is_ident("event")) {
        errors.spanned(attr, "this attribute applies to a method, not to an argument");
    }
    let param_attr = param::find(&arg.attrs, errors);
    if !owned_type(&arg.ty, OWNED_BECAUSE, errors) {
        return None;
    }
    if let Some(attr) = helper(&arg.attrs, "flatten") {
        Args::from_attr(&FLATTEN, attr, errors);
        if let Some(param_attr) = param_attr {
            errors.spanned(
                param_attr,
                "`#[param]` does not apply to a `#[flatten]` argument: name and document the fields of the \
                 parameter struct instead (serde's `rename` and doc comments)",
            );
        }
        if let Some(first) = flatten {
            errors.spanned(
                attr,
                format!(
                    "only one argument can be `#[flatten]`: `{}` already holds all parameters; \
                     move these fields into its type",
                    first.ident
                ),
            );
            return None;
        }
        *flatten = Some(FlattenDef { ident, ty: (*arg.ty).clone() });
        return Some(DataArg::Flatten);
    }
    let args = param::args(param_attr, errors);
    Some(DataArg::Param(ParamDef {
        name: name_or_derived(args.string("name", errors), &ident),
        description: param::description(&args, errors),
        optional: option_inner(&arg.ty).cloned(),
        ty: (*arg.ty).clone(),
        ident,
    }))
}

fn reject_beside_flatten<'a>(params: impl IntoIterator<Item = &'a ParamDef>, flatten: &FlattenDef, errors: &Errors) {
    for param in params {
        errors.spanned(
            &param.ident,
            format!(
                "`{}` cannot be a parameter beside the `#[flatten]` argument `{}`, which holds all parameters: \
                 move it into the parameter struct, or remove `#[flatten]`",
                param.ident, flatten.ident
            ),
        );
    }
}

/// Whether the type is the `CommandContext`; a reference to it is reported.
fn context_type(ty: &Type, errors: &Errors) -> bool {
    match ty {
        Type::Reference(reference) if last_segment_is(&reference.elem, "CommandContext") => {
            errors.spanned(
                ty,
                "take the `CommandContext` by value (`cx: CommandContext`): it is cheap to `Clone` and the \
                 command's future must be `'static`",
            );
            true
        }
        _ => last_segment_is(ty, "CommandContext"),
    }
}

/// Why commands and events take owned types, for [`owned_type`].
const OWNED_BECAUSE: &str =
    "parameters are decoded from JSON into owned values, and event emitters take their fields by reference anyway";

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse(args: TokenStream, item: TokenStream) -> (Option<SetDef>, Vec<String>) {
        let item: ItemTrait = syn::parse2(item).unwrap();
        Errors::collect(|errors| parse_set(args, &item, errors))
    }

    #[test]
    fn reads_the_example() {
        let (set, problems) = parse(
            quote!(name = "vd1", version = 1, requires = "vd1.read", crate = "crate"),
            quote! {
                /// Announcements.
                pub trait Vd1 {
                    /// Create.
                    ///
                    /// Long.
                    #[command(name = "vcall-create", alias = "vcc", aliases = ["vc"], requires = "vd1.write")]
                    async fn vcall_create(&self, #[flatten] call: VcallCreate) -> Result<VcallCreated, CommandError>;
                    #[command(alias = "vcall-start", version = 2)]
                    async fn vcall_play(&self, #[param(doc = "Call id")] call_id: String, level: Option<u8>) -> Result<(), CommandError>;
                    async fn log_stream(&self, cx: CommandContext) -> osmp::Result<Outcome>;
                    #[event(name = "vcall-status-changed")]
                    fn status_changed(#[flatten] status: CallStatus);
                    #[event]
                    fn io_changed(address: String, #[param(name = "on")] state: bool);
                }
            },
        );
        assert!(problems.is_empty(), "{problems:?}");
        let set = set.unwrap();
        assert_eq!(set.header.name.value, "vd1");
        let krate = &set.header.krate;
        assert_eq!(quote!(#krate).to_string(), "crate");
        assert_eq!(set.header.docs.description, "Announcements.");
        let [create, play, log] = &set.commands[..] else { panic!("three commands") };
        assert_eq!(create.name.value, "vcall-create");
        assert_eq!(create.aliases.iter().map(|a| a.value.as_str()).collect::<Vec<_>>(), ["vcc", "vc"]);
        assert_eq!((create.version, create.requires.as_deref()), (1, Some("vd1.write")));
        assert_eq!(create.docs.long_description, "Long.");
        assert!(matches!(&create.args[..], [ArgDef::Flatten(_)]));
        assert_eq!(create.output.kind, OutputKind::Data);
        assert_eq!(
            (play.name.value.as_str(), play.version, play.requires.as_deref()),
            ("vcall-play", 2, Some("vd1.read"))
        );
        let [ArgDef::Param(call_id), ArgDef::Param(level)] = &play.args[..] else { panic!("two params") };
        assert_eq!(
            (call_id.name.value.as_str(), call_id.description.as_str(), call_id.optional.is_some()),
            ("call-id", "Call id", false)
        );
        assert!(level.optional.is_some());
        assert_eq!(play.output.kind, OutputKind::Unit);
        assert!(matches!(&log.args[..], [ArgDef::Context { .. }]));
        assert_eq!(log.output.kind, OutputKind::Outcome);
        let [changed, io] = &set.events[..] else { panic!("two events") };
        assert_eq!(changed.name.value, "vcall-status-changed");
        assert!(matches!(changed.data, EventData::Flatten(_)));
        assert_eq!(io.name.value, "io-changed");
        let EventData::Fields(fields) = &io.data else { panic!("fields") };
        assert_eq!(fields.iter().map(|f| f.name.value.as_str()).collect::<Vec<_>>(), ["address", "on"]);
    }

    #[test]
    fn reports_every_problem_at_once() {
        let (_, problems) = parse(
            quote!(colour = "red"),
            quote! {
                trait Broken<T> {
                    fn not_async(&self) -> Result<(), E>;
                    async fn no_result(&self);
                    async fn no_self() -> Result<(), E>;
                    async fn by_ref(&self, cx: &CommandContext) -> Result<(), E>;
                    #[event]
                    async fn evented() -> u8;
                }
            },
        );
        assert_eq!(problems.len(), 8, "{problems:#?}");
        assert!(problems[0].starts_with("unknown argument `colour` of `#[instruction_set]`"), "{}", problems[0]);
    }
}
