//! Procedural macros of the Gannet Rust guest SDK. Use them through the `gannet-guest` crate
//! (`#[gannet_guest::import]`, `#[gannet_guest::export]`); this crate is an implementation
//! detail of it.
//!
//! The macros emit the metadata that PVM linkers (gannet-linker, polkavm-linker 0.37) read
//! from a RISC-V ELF file, in exactly the encoding of the C SDK (`guest/include/gannet_guest.h`):
//!
//! * an import is a naked function whose body is the custom-0 host-call marker `0x0000000b`,
//!   a pointer-sized slot referring to the import's record in `.polkavm_metadata`, and `ret`;
//!   the linker replaces marker and slot with one `ecalli`;
//! * an export is a record in `.polkavm_exports` (version byte, slot → metadata, slot →
//!   function), a retained section, so `--gc-sections` keeps the function.
//!
//! On targets other than RISC-V with the E extension nothing PVM-specific is emitted: imports
//! stay ordinary `extern "C"` declarations and exports ordinary functions.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{quote, ToTokens};
use syn::spanned::Spanned;
use syn::{parse_macro_input, Abi, ForeignItem, ForeignItemFn, ItemFn, ItemForeignMod, LitStr};

mod abi;

use abi::{
    check_signature, check_symbol, const_operands, metadata_asm, pvm_cfg, register_limit_check, slot_asm,
};

/// Declares host functions (PVM imports).
///
/// Apply to an `extern "C" { ... }` block of function declarations. For each function the
/// macro generates an `unsafe extern "C" fn` with the same name, visibility and signature
/// which, on the guest target, performs the host call: the PVM linker turns its body into
/// `ecalli <index>` for an import named like the function (or like its
/// `#[link_name = "..."]`). Arguments go in a0..a5, the result comes back in a0 (a0/a1 on
/// RV32 for a 64-bit result).
///
/// Supported signatures: up to 6 arguments and at most one result, each `u64`, `i64`, `u32`,
/// `i32`, `usize`, `isize` or a raw pointer; anything else is a compile error.
///
/// ```ignore
/// #[gannet_guest::import]
/// extern "C" {
///     /// Returns x * 0x9E3779B97F4A7C15 + 1 (wrapping).
///     pub fn gannet_host_mix(x: u64) -> u64;
/// }
/// ```
#[proc_macro_attribute]
pub fn import(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        let error = syn::Error::new(Span::call_site(), "#[import] takes no arguments");
        return error.to_compile_error().into();
    }
    let block = parse_macro_input!(item as ItemForeignMod);
    expand_import(block).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// Exports a function (a PVM entry point) under its own name.
///
/// Apply to a free, non-generic function; it gets the `extern "C"` ABI if it has none (any
/// other ABI is an error). On the guest target the macro adds a record to `.polkavm_exports`,
/// which keeps the function alive through `--gc-sections` and tells the PVM linker its name and
/// register counts. The function needs no `#[no_mangle]`. Supported signatures are those of
/// [`macro@import`].
///
/// ```ignore
/// #[gannet_guest::export]
/// pub extern "C" fn bench(n: u64) -> u64 {
///     n + 1
/// }
/// ```
#[proc_macro_attribute]
pub fn export(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        let error = syn::Error::new(Span::call_site(), "#[export] takes no arguments");
        return error.to_compile_error().into();
    }
    let function = parse_macro_input!(item as ItemFn);
    expand_export(function).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// Whether `abi` is absent's default or explicitly `"C"`.
fn is_c_abi(abi: &Abi) -> bool {
    abi.name.as_ref().is_none_or(|name| name.value() == "C")
}

/// The identifier as written, without a raw-identifier prefix.
fn plain_name(ident: &syn::Ident) -> String {
    let name = ident.to_string();
    name.strip_prefix("r#").map(str::to_owned).unwrap_or(name)
}

fn expand_import(block: ItemForeignMod) -> syn::Result<TokenStream2> {
    if !is_c_abi(&block.abi) {
        return Err(syn::Error::new_spanned(&block.abi, "#[import] needs an `extern \"C\"` block"));
    }
    let mut errors: Option<syn::Error> = None;
    let mut wrappers = TokenStream2::new();
    for item in &block.items {
        let result = match item {
            ForeignItem::Fn(function) => import_one(function),
            other => Err(syn::Error::new(other.span(), "#[import] blocks may only declare functions")),
        };
        match result {
            Ok(tokens) => wrappers.extend(tokens),
            Err(error) => match &mut errors {
                Some(all) => all.combine(error),
                None => errors = Some(error),
            },
        }
    }
    if let Some(errors) = errors {
        return Err(errors);
    }
    let cfg = pvm_cfg();
    // Elsewhere (a native build of shared code, documentation): the declarations unchanged.
    let fallback_attrs = &block.attrs;
    let fallback_items = &block.items;
    Ok(quote! {
        #wrappers
        #[cfg(not(#cfg))]
        #(#fallback_attrs)*
        extern "C" {
            #(#fallback_items)*
        }
    })
}

/// The guest-target stub of one imported function.
fn import_one(function: &ForeignItemFn) -> syn::Result<TokenStream2> {
    let sig = &function.sig;
    let counts = check_signature(sig, "a host function")?;
    let mut symbol = plain_name(&sig.ident);
    let mut attrs = Vec::new();
    for attr in &function.attrs {
        if attr.path().is_ident("link_name") {
            let value: LitStr = match &attr.meta {
                syn::Meta::NameValue(nv) => syn::parse2(nv.value.to_token_stream())?,
                other => return Err(syn::Error::new_spanned(other, "expected #[link_name = \"...\"]")),
            };
            symbol = value.value();
            check_symbol(&symbol, value.span())?;
        } else {
            attrs.push(attr);
        }
    }
    check_symbol(&symbol, sig.ident.span())?;
    let template = [
        metadata_asm(8710, &symbol),
        // The host-call marker: custom-0 opcode, every other field zero.
        ".4byte 0x0000000b".to_owned(),
        slot_asm("8710b"),
        "ret".to_owned(),
    ]
    .join("\n");
    let operands = const_operands(&counts);
    let check = register_limit_check(&counts, &symbol, sig.ident.span());
    let cfg = pvm_cfg();
    let vis = &function.vis;
    let ident = &sig.ident;
    let inputs = &sig.inputs;
    let output = &sig.output;
    Ok(quote! {
        #[cfg(#cfg)]
        #check
        #[cfg(#cfg)]
        #(#attrs)*
        #[unsafe(naked)]
        #vis unsafe extern "C" fn #ident(#inputs) #output {
            ::core::arch::naked_asm!(#template, #operands)
        }
    })
}

fn expand_export(mut function: ItemFn) -> syn::Result<TokenStream2> {
    let counts = check_signature(&function.sig, "an exported function")?;
    match &function.sig.abi {
        Some(abi) if !is_c_abi(abi) => {
            return Err(syn::Error::new_spanned(abi, "an exported function must use the \"C\" ABI"));
        }
        Some(_) => {}
        None => function.sig.abi = Some(syn::parse_quote!(extern "C")),
    }
    let symbol = plain_name(&function.sig.ident);
    check_symbol(&symbol, function.sig.ident.span())?;
    let template = [
        metadata_asm(8720, &symbol),
        // Allocated, read-only, retained ("R" = SHF_GNU_RETAIN survives --gc-sections).
        ".pushsection .polkavm_exports,\"aR\",@note".to_owned(),
        ".byte 1".to_owned(),
        slot_asm("8720b"),
        slot_asm("{function}"),
        ".popsection".to_owned(),
    ]
    .join("\n");
    let operands = const_operands(&counts);
    let check = register_limit_check(&counts, &symbol, function.sig.ident.span());
    let cfg = pvm_cfg();
    let ident = &function.sig.ident;
    Ok(quote! {
        #function
        #[cfg(#cfg)]
        #check
        #[cfg(#cfg)]
        ::core::arch::global_asm!(#template, function = sym #ident, #operands);
    })
}
