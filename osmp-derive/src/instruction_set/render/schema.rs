//! `vd1_schema()`: the set's description, built once on first use.
//!
//! Everything written in the trait is known here; what depends on other types (the
//! parameters of a parameter struct, the fields of a result type) is read from their JSON
//! Schema at run time by the runtime's `__private` helpers, which is why the schema lives
//! in a `LazyLock` rather than a `static` literal.

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::optional_cow;
use crate::instruction_set::ir::{ArgDef, CommandDef, EventData, EventDef, OutputKind, SetDef};
use crate::internals::ir::ParamDef;
use crate::internals::tokens::{allow_dead_code, local};

pub fn render(set: &SetDef) -> TokenStream {
    let p = set.header.private();
    let vis = &set.header.vis;
    let schema_fn = set.header.schema_fn_ident();
    let allow = allow_dead_code(vis);
    let name = &set.header.name.value;
    let (description, long_description) = (&set.header.docs.description, &set.header.docs.long_description);
    let commands = set.commands.iter().map(|command| command_schema(set, command));
    let events = set.events.iter().map(|event| event_schema(set, event));
    let doc = format!(
        "The schema of the OSMP instruction set `{name}` ([`{}`]): its commands and events as `help` and \
         `event-list` show them.",
        set.header.ident
    );
    quote! {
        #[doc = #doc]
        #allow
        #vis fn #schema_fn() -> &'static #p::InstructionSetSchema {
            static SCHEMA: #p::LazyLock<#p::InstructionSetSchema> = #p::LazyLock::new(|| #p::InstructionSetSchema {
                name: #p::Cow::Borrowed(#name),
                description: #p::Cow::Borrowed(#description),
                long_description: #p::Cow::Borrowed(#long_description),
                commands: #p::Cow::Owned(::std::vec![#(#commands),*]),
                events: #p::Cow::Owned(::std::vec![#(#events),*]),
            });
            &SCHEMA
        }
    }
}

fn command_schema(set: &SetDef, command: &CommandDef) -> TokenStream {
    let p = set.header.private();
    let name = &command.name.value;
    let aliases = command.aliases.iter().map(|alias| &alias.value);
    let version = Literal::u32_unsuffixed(command.version);
    let description = &command.docs.description;
    let long_description = &command.docs.long_description;
    let params = params_schema(set, command);
    let (returns, result_schema) = returns_schema(set, command);
    let params_json_schema = params_json_schema(set, command);
    let stream_schema = match &command.stream {
        Some(ty) => {
            let schema = schema_fn(set, ty);
            quote!(::core::option::Option::Some(#schema))
        }
        None => quote!(::core::option::Option::None),
    };
    let requires = optional_cow(set, command.requires.as_deref());
    // The stream type appears in no table yet; naming the check function makes the
    // compiler verify it at the type.
    let check_stream = command.stream.as_ref().map(|ty| {
        let p_at = set.header.private_at(ty.span());
        quote_spanned!(ty.span()=> let _ = #p_at::assert_stream_type::<#ty>;)
    });
    let schema = quote! {
        #p::CommandSchema {
            name: #p::Cow::Borrowed(#name),
            aliases: #p::Cow::Owned(::std::vec![#(#p::Cow::Borrowed(#aliases)),*]),
            version: #version,
            description: #p::Cow::Borrowed(#description),
            long_description: #p::Cow::Borrowed(#long_description),
            params: #params,
            returns: #returns,
            params_schema: ::core::option::Option::Some(#params_json_schema),
            result_schema: #result_schema,
            stream_schema: #stream_schema,
            requires: #requires,
        }
    };
    match check_stream {
        Some(check) => quote!({ #check #schema }),
        None => schema,
    }
}

/// Plain parameters are listed here, mandatory ones first; a parameter struct's are read
/// from its schema.
fn params_schema(set: &SetDef, command: &CommandDef) -> TokenStream {
    let p = set.header.private();
    if let Some(ArgDef::Flatten(flatten)) = command.args.iter().find(|arg| matches!(arg, ArgDef::Flatten(_))) {
        let ty = &flatten.ty;
        let p_at = set.header.private_at(ty.span());
        let params_of = quote_spanned!(ty.span()=> #p_at::params_of::<#ty>());
        return quote!(#p::Cow::Owned(#params_of));
    }
    let params: Vec<&ParamDef> =
        command.args.iter().filter_map(|arg| if let ArgDef::Param(param) = arg { Some(param) } else { None }).collect();
    let mandatory = params.iter().filter(|param| param.optional.is_none());
    let optional = params.iter().filter(|param| param.optional.is_some());
    let entries = mandatory.chain(optional).map(|param| {
        let name = &param.name.value;
        let description = &param.description;
        let required = param.optional.is_none();
        let schema = schema_fn(set, param.value_ty());
        quote! {
            #p::ParamSchema {
                name: #p::Cow::Borrowed(#name),
                description: #p::Cow::Borrowed(#description),
                required: #required,
                schema: ::core::option::Option::Some(#schema),
            }
        }
    });
    quote!(#p::Cow::Owned(::std::vec![#(#entries),*]))
}

/// `returns` and `result_schema`: the fields of a data result, nothing for `()`/`Outcome`.
fn returns_schema(set: &SetDef, command: &CommandDef) -> (TokenStream, TokenStream) {
    let p = set.header.private();
    match command.output.kind {
        OutputKind::Unit | OutputKind::Outcome => {
            (quote!(#p::Cow::Borrowed(&[])), quote!(::core::option::Option::None))
        }
        OutputKind::Data => {
            let ty = &command.output.ok;
            let p_at = set.header.private_at(ty.span());
            let fields = quote_spanned!(ty.span()=> #p_at::fields_of::<#ty>());
            let schema = schema_fn(set, ty);
            (quote!(#p::Cow::Owned(#fields)), quote!(::core::option::Option::Some(#schema)))
        }
    }
}

/// The JSON Schema of the whole `data` object: a parameter struct's own, or an object
/// built from the plain parameters.
fn params_json_schema(set: &SetDef, command: &CommandDef) -> TokenStream {
    let flatten = command.args.iter().find_map(|arg| match arg {
        ArgDef::Flatten(flatten) => Some(flatten),
        _ => None,
    });
    if let Some(flatten) = flatten {
        return schema_fn(set, &flatten.ty);
    }
    let params: Vec<ParamDef> = command
        .args
        .iter()
        .filter_map(|arg| match arg {
            ArgDef::Param(param) => Some(param.clone()),
            _ => None,
        })
        .collect();
    object_schema_fn(set, &params)
}

fn event_schema(set: &SetDef, event: &EventDef) -> TokenStream {
    let p = set.header.private();
    let name = &event.name.value;
    let description = &event.docs.description;
    let long_description = &event.docs.long_description;
    let requires = optional_cow(set, event.requires.as_deref());
    let (fields, schema) = match &event.data {
        EventData::Flatten(flatten) => {
            let ty = &flatten.ty;
            let p_at = set.header.private_at(ty.span());
            let fields = quote_spanned!(ty.span()=> #p_at::fields_of::<#ty>());
            (quote!(#p::Cow::Owned(#fields)), schema_fn(set, ty))
        }
        EventData::Fields(fields) => (field_list(set, fields), object_schema_fn(set, fields)),
    };
    quote! {
        #p::EventSchema {
            name: #p::Cow::Borrowed(#name),
            description: #p::Cow::Borrowed(#description),
            long_description: #p::Cow::Borrowed(#long_description),
            fields: #fields,
            schema: ::core::option::Option::Some(#schema),
            requires: #requires,
        }
    }
}

fn field_list(set: &SetDef, fields: &[ParamDef]) -> TokenStream {
    let p = set.header.private();
    let entries = fields.iter().map(|field| {
        let (name, description) = (&field.name.value, &field.description);
        quote!(#p::FieldSchema { name: #p::Cow::Borrowed(#name), description: #p::Cow::Borrowed(#description) })
    });
    quote!(#p::Cow::Owned(::std::vec![#(#entries),*]))
}

/// The function that builds the object schema of plain parameters or of an event declared
/// with an argument list: a closure without captures, so that its type checks belong to
/// the schema function and a type lacking `JsonSchema` is reported once.
fn object_schema_fn(set: &SetDef, fields: &[ParamDef]) -> TokenStream {
    let p = set.header.private();
    let generator = local("__generator");
    let entries = fields.iter().map(|field| {
        let (name, description) = (&field.name.value, &field.description);
        let required = field.optional.is_none();
        // At the type a parameter is decoded as (`T` of `Option<T>`), like every other
        // use of it, so that all of them are one error.
        let ty = field.value_ty();
        let p_at = set.header.private_at(ty.span());
        let subschema = match &field.optional {
            Some(_) => quote_spanned!(ty.span()=> #p_at::optional_subschema_of::<#ty>),
            None => quote_spanned!(ty.span()=> #p_at::subschema_of::<#ty>),
        };
        quote!(#p::ObjectField { name: #name, description: #description, required: #required, schema: #subschema })
    });
    quote! {{
        let schema: #p::JsonSchemaFn = |#generator: &mut #p::schemars::SchemaGenerator| {
            #p::object_schema(#generator, &[#(#entries),*])
        };
        schema
    }}
}

/// `<T as JsonSchema>::json_schema` through `__private`, reported at `T` when it does not
/// implement it.
fn schema_fn(set: &SetDef, ty: &syn::Type) -> TokenStream {
    let p = set.header.private_at(ty.span());
    quote_spanned!(ty.span()=> #p::schema_of::<#ty>)
}
