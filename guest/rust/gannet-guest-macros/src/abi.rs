//! What the macros know about the guest ABI: which Rust types may cross the guest/host
//! boundary, how many argument registers each one takes, and the assembler text of the
//! metadata records a PVM linker reads (the same encoding as `guest/include/gannet_guest.h`).
//!
//! The register counts and the pointer size depend on the target (RV64: a 64-bit integer takes
//! one register; RV32: a register pair), which a procedural macro cannot see. So the generated
//! code computes them with `cfg!` inside `const` operands of the assembler macros, and the
//! assembler text refers to them as `{nin}`, `{nout}` and `{ptr}`.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{FnArg, ReturnType, Signature, Type};

/// Most argument registers a host function or an export may use (a0..a5 on RV-E).
pub const MAX_ARG_REGS: usize = 6;

/// How a supported type is passed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Class {
    /// One register on every target (32-bit integers, `usize`/`isize`, raw pointers).
    Word,
    /// A 64-bit integer: one register on RV64, a register pair on RV32.
    Wide,
}

/// The list of supported types, for error messages.
const SUPPORTED: &str = "u64, i64, u32, i32, usize, isize, *const T or *mut T";

/// Classifies one argument or result type, or explains why it is not supported.
fn classify(ty: &Type) -> syn::Result<Class> {
    match ty {
        Type::Ptr(_) => Ok(Class::Word),
        Type::Paren(inner) => classify(&inner.elem),
        Type::Group(inner) => classify(&inner.elem),
        Type::Path(path) if path.qself.is_none() => {
            let last = path.path.segments.last().filter(|s| s.arguments.is_none());
            match last.map(|s| s.ident.to_string()).as_deref() {
                Some("u64" | "i64") => Ok(Class::Wide),
                Some("u32" | "i32" | "usize" | "isize") => Ok(Class::Word),
                _ => Err(unsupported(ty)),
            }
        }
        _ => Err(unsupported(ty)),
    }
}

fn unsupported(ty: &Type) -> syn::Error {
    syn::Error::new_spanned(
        ty,
        format!("unsupported type for a guest/host boundary: use one of {SUPPORTED} (passed in registers)"),
    )
}

/// The register expression of one class: a constant expression of type `usize`.
fn regs_of(class: Class) -> TokenStream {
    match class {
        Class::Word => quote!(1usize),
        Class::Wide => quote!((if ::core::cfg!(target_pointer_width = "32") { 2usize } else { 1usize })),
    }
}

/// The register counts of a checked signature, as constant expressions.
pub struct RegCounts {
    /// Argument registers (a0.. upwards).
    pub inputs: TokenStream,
    /// Result registers (a0, a1).
    pub outputs: TokenStream,
}

/// Checks that `sig` can cross the guest/host boundary (no generics, no variadics, no
/// `async`/`const`, at most [`MAX_ARG_REGS`] arguments of supported types, no result or one
/// supported result) and returns its register counts.
pub fn check_signature(sig: &Signature, what: &str) -> syn::Result<RegCounts> {
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        return Err(syn::Error::new_spanned(&sig.generics, format!("{what} cannot be generic")));
    }
    if let Some(variadic) = &sig.variadic {
        return Err(syn::Error::new_spanned(variadic, format!("{what} cannot be variadic")));
    }
    if let Some(token) = &sig.asyncness {
        return Err(syn::Error::new_spanned(token, format!("{what} cannot be async")));
    }
    if let Some(token) = &sig.constness {
        return Err(syn::Error::new_spanned(token, format!("{what} cannot be const")));
    }
    if sig.inputs.len() > MAX_ARG_REGS {
        return Err(syn::Error::new_spanned(
            &sig.inputs,
            format!("{what} takes {} arguments; at most {MAX_ARG_REGS} fit in registers", sig.inputs.len()),
        ));
    }
    let mut inputs = quote!(0usize);
    for arg in &sig.inputs {
        match arg {
            FnArg::Receiver(receiver) => {
                return Err(syn::Error::new_spanned(receiver, format!("{what} cannot take `self`")));
            }
            FnArg::Typed(typed) => {
                let regs = regs_of(classify(&typed.ty)?);
                inputs = quote!(#inputs + #regs);
            }
        }
    }
    let outputs = match &sig.output {
        ReturnType::Default => quote!(0usize),
        ReturnType::Type(_, ty) => match &**ty {
            Type::Tuple(tuple) if tuple.elems.is_empty() => quote!(0usize),
            Type::Never(_) => {
                return Err(syn::Error::new_spanned(ty, format!("{what} cannot return `!`")));
            }
            other => regs_of(classify(other)?),
        },
    };
    Ok(RegCounts { inputs, outputs })
}

/// The `const` operands every template below refers to: `{nin}`, `{nout}` and `{ptr}` (the
/// pointer size in bytes).
pub fn const_operands(counts: &RegCounts) -> TokenStream {
    let RegCounts { inputs, outputs } = counts;
    quote! {
        nin = const #inputs,
        nout = const #outputs,
        ptr = const ::core::mem::size_of::<usize>(),
    }
}

/// A compile-time check that the argument registers fit (a 64-bit argument takes two on RV32,
/// so six `u64` arguments are fine on RV64 and too many on RV32).
pub fn register_limit_check(counts: &RegCounts, name: &str, span: Span) -> TokenStream {
    let inputs = &counts.inputs;
    let message = format!("`{name}` needs more than {MAX_ARG_REGS} argument registers on this target");
    quote::quote_spanned! {span=>
        const _: () = ::core::assert!(#inputs <= #MAX_ARG_REGS, #message);
    }
}

/// The `cfg` predicate of a PVM guest target: RISC-V with the E base ISA. Elsewhere the
/// macros leave plain Rust behind (imports become ordinary `extern "C"` declarations).
pub fn pvm_cfg() -> TokenStream {
    quote!(all(any(target_arch = "riscv64", target_arch = "riscv32"), target_feature = "e"))
}

/// Checks that a symbol name can be written into an assembler string unchanged.
pub fn check_symbol(name: &str, span: Span) -> syn::Result<()> {
    let ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\');
    if ok {
        Ok(())
    } else {
        Err(syn::Error::new(
            span,
            format!("symbol name {name:?} must be non-empty printable ASCII without quotes"),
        ))
    }
}

/// Assembler text: an extern-metadata record for `symbol` in `.polkavm_metadata`, labelled
/// with the numeric local label `label` (so it is referred to as `<label>b` afterwards). The
/// symbol's bytes follow the record (labels `label + 1` and `label + 2` delimit them).
///
/// Layout (packed): u8 version = 1; u32 flags = 0; u32 symbol length; pointer to the symbol;
/// u8 input registers; u8 output registers. The section is writable because the pointer is an
/// absolute relocation, which a shared object may only carry in writable data.
pub fn metadata_asm(label: u32, symbol: &str) -> String {
    let (start, end) = (label + 1, label + 2);
    [
        ".pushsection .polkavm_metadata,\"aw\",@progbits".to_owned(),
        format!("{label}:"),
        ".byte 1".to_owned(),
        ".4byte 0".to_owned(),
        format!(".4byte {end}f - {start}f"),
        // `{ptr}` is 8 or 4: `.8byte` on RV64, `.4byte` on RV32.
        format!(".{{ptr}}byte {start}f"),
        ".byte {nin}".to_owned(),
        ".byte {nout}".to_owned(),
        format!("{start}:"),
        format!(".ascii \"{symbol}\""),
        format!("{end}:"),
        ".popsection".to_owned(),
    ]
    .join("\n")
}

/// Assembler text: a pointer-sized slot that refers to `target` without an absolute
/// relocation (which would be a text relocation in a shared object): `auipc zero,
/// %pcrel_hi(target)` carries an `R_RISCV_PCREL_HI20` naming the target, and four zero bytes
/// complete it to 8 bytes on RV64. Both PVM linkers read such a slot as "points at target".
pub fn slot_asm(target: &str) -> String {
    format!("auipc zero, %pcrel_hi({target})\n.if {{ptr}} == 8\n.4byte 0\n.endif")
}
