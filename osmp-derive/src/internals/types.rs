//! Reading Rust types as written: `Option<T>`, `Result<T, E>`, `()`, a path's last segment.

use syn::{GenericArgument, PathArguments, Type, TypePath};

/// `T` of `Option<T>`.
pub fn option_inner(ty: &Type) -> Option<&Type> {
    generic_args(ty, "Option").filter(|args| args.len() == 1).and_then(|args| args.first().copied())
}

/// `T` and `E` of `Result<T, E>`, or `T` alone of an alias `Result<T>`.
pub fn result_args(ty: &Type) -> Option<(&Type, Option<&Type>)> {
    let args = generic_args(ty, "Result").filter(|args| matches!(args.len(), 1 | 2))?;
    Some((args[0], args.get(1).copied()))
}

/// The type arguments of a path type whose last segment is `name`.
fn generic_args<'a>(ty: &'a Type, name: &str) -> Option<Vec<&'a Type>> {
    let Type::Path(TypePath { qself: None, path }) = ty else {
        return None;
    };
    let last = path.segments.last().filter(|segment| segment.ident == name)?;
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().map(|arg| if let GenericArgument::Type(ty) = arg { Some(ty) } else { None }).collect()
}

/// Whether a type is a path whose last segment is `name` without arguments (`Outcome`,
/// `osmp::instruction::CommandContext`).
pub fn last_segment_is(ty: &Type, name: &str) -> bool {
    match ty {
        Type::Path(TypePath { qself: None, path }) => {
            path.segments.last().is_some_and(|segment| segment.ident == name && segment.arguments.is_empty())
        }
        Type::Paren(inner) => last_segment_is(&inner.elem, name),
        _ => false,
    }
}

/// Whether a type is `()`.
pub fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(tuple) if tuple.elems.is_empty())
}
