//! `Vd1Server<T>`: the `InstructionSet` that decodes each command's parameters and calls
//! the user's implementation (the struct itself is rendered by `internals::server`).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::events_ident;
use crate::instruction_set::ir::{ArgDef, CommandDef, OutputKind, SetDef};
use crate::internals::server::{call_arm, let_decoded, wrapper};
use crate::internals::tokens::{local, local_at};

pub fn render(set: &SetDef) -> TokenStream {
    let p = set.header.private();
    let (trait_ident, server) = (&set.header.ident, set.header.server_ident());
    let schema_fn = set.header.schema_fn_ident();
    let (command, params, cx) = (local("__command"), local("__params"), local("__cx"));
    let arms = set.commands.iter().enumerate().map(|(index, command)| arm(set, index, command));
    let set_name = &set.header.name.value;
    let doc = format!(
        "Serves [`{trait_ident}`] as the OSMP instruction set `{set_name}`: decodes the parameters of each \
         command and calls the implementation.\n\nRegister it with a server, or in a \
         `Registry`, as `Arc::new({server}::new(implementation))`."
    );
    // Sets with events let the implementation send the current state to a new subscriber.
    let on_subscribe = (!set.events.is_empty()).then(|| {
        let emitter = events_ident(set);
        quote! {
            fn on_subscribe(&self, event: &str, session: &#p::Session) {
                <T as #trait_ident>::on_subscribe(&self.inner, event, #emitter::session(session));
            }
        }
    });
    let wrapper = wrapper(&set.header, &doc);
    quote! {
        #wrapper

        impl<T: #trait_ident> #p::InstructionSet for #server<T> {
            fn schema(&self) -> &#p::InstructionSetSchema {
                #schema_fn()
            }

            #on_subscribe

            fn call(&self, #command: usize, #params: #p::Params, #cx: #p::CommandContext) -> #p::CommandFuture {
                match #command {
                    #(#arms)*
                    _ => #p::ready_err(#p::CommandError::internal(::std::format!(
                        "the instruction set '{}' has no command number {}", #set_name, #command
                    ))),
                }
            }
        }
    }
}

/// Decodes the arguments (a parameter error is answered at once), then runs the method
/// as [`call_arm`] does.
fn arm(set: &SetDef, index: usize, command: &CommandDef) -> TokenStream {
    let (params, value) = (local("__params"), local("__value"));
    let has_params = command.args.iter().any(|arg| matches!(arg, ArgDef::Param(_)));
    let mutable_params = has_params.then(|| quote!(let mut #params = #params;));
    let decode = command.args.iter().map(|arg| decode(set, index, arg));
    let call_args = command.args.iter().map(|arg| match arg {
        ArgDef::Context { ident, .. } => ident,
        ArgDef::Param(param) => &param.ident,
        ArgDef::Flatten(flatten) => &flatten.ident,
    });
    let output = &command.output;
    // The conversions are spanned at the declared types, so that a type lacking a trait
    // (an error type without `Into<CommandError>`, a result without `Serialize`) is
    // reported there rather than at the attribute.
    let (ty_span, ok_span) = (output.ty.span(), output.ok.span());
    let result_at = local_at("__result", ty_span);
    let p_ty = set.header.private_at(ty_span);
    let convert = match &output.err {
        Some(err) => {
            let (ok, p_err) = (&output.ok, set.header.private_at(err.span()));
            quote_spanned!(err.span()=> let #value = #p_err::command_result::<#ok, #err>(#result_at)?;)
        }
        None => quote_spanned!(ty_span=> let #value = #p_ty::command_result(#result_at)?;),
    };
    let ok = &output.ok;
    let p_ok = set.header.private_at(ok_span);
    let finish = match output.kind {
        OutputKind::Unit | OutputKind::Outcome => {
            quote_spanned!(ok_span=> <#ok as #p_ok::IntoOutcome>::into_outcome(#value))
        }
        OutputKind::Data => quote_spanned!(ok_span=> #p_ok::outcome_of_data::<#ok>(&#value)),
    };
    call_arm(
        &set.header,
        index,
        quote!(#mutable_params #(#decode)*),
        &command.ident,
        call_args,
        quote!(#convert #finish),
    )
}

/// `let <arg> = …;` for one argument of the command at `index`, whose schema describes the
/// parameters in errors.
fn decode(set: &SetDef, index: usize, arg: &ArgDef) -> TokenStream {
    let (params, cx) = (local("__params"), local("__cx"));
    let schema_fn = set.header.schema_fn_ident();
    let index = proc_macro2::Literal::usize_unsuffixed(index);
    let command = quote!(&#schema_fn().commands[#index]);
    let (ident, taken) = match arg {
        ArgDef::Context { ident, .. } => return quote!(let #ident = #cx;),
        ArgDef::Param(param) => {
            let ty = param.value_ty();
            let name = &param.name.value;
            let take = if param.optional.is_some() { quote!(optional_param) } else { quote!(required_param) };
            let p = set.header.private_at(ty.span());
            (&param.ident, quote_spanned!(ty.span()=> #p::#take::<#ty>(&mut #params, #command, #name)))
        }
        ArgDef::Flatten(flatten) => {
            let ty = &flatten.ty;
            let p = set.header.private_at(ty.span());
            (&flatten.ident, quote_spanned!(ty.span()=> #p::params_struct::<#ty>(#params, #command)))
        }
    };
    let_decoded(&set.header, ident, taken)
}
