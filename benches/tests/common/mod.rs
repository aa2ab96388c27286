//! Shared by the guest-suite tests: building the guests, the native reference, and running a
//! blob on PolkaVM 0.37 and on Gannet with the suite's host function; and by the random
//! differential tests: the program generator ([`random`]), the VM driver ([`differential`]) and
//! its linked mode, Gannet run through `Instance::resume_call` ([`linked`]).

#![allow(dead_code)]

pub mod cc;
pub mod differential;
pub mod linked;
pub mod random;

use std::path::{Path, PathBuf};
use std::process::Command;

use polkavm::{BackendKind, Caller, Engine, GasMeteringKind, Linker, Module, ModuleConfig};

/// The host function of `guest/include/gannet_guest.h`.
pub fn gannet_host_mix(x: u64) -> u64 {
    x.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1)
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("repository root").to_path_buf()
}

/// Whether `tool --version` runs.
pub fn tool_available(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().map(|o| o.status.success()).unwrap_or(false)
}

/// Whether the guest toolchain is here; prints the skip message (or fails under
/// `GANNET_REQUIRE_TOOLCHAIN=1`) when it is not.
pub fn toolchain_or_skip() -> bool {
    if tool_available("clang-19") && tool_available("ld.lld-19") {
        return true;
    }
    if std::env::var("GANNET_REQUIRE_TOOLCHAIN").as_deref() == Ok("1") {
        panic!("clang-19/ld.lld-19 not found and GANNET_REQUIRE_TOOLCHAIN=1");
    }
    println!("skipped: clang-19 not found");
    false
}

/// Runs `guest/build.sh` (incremental and quick when nothing changed); returns its output
/// directory.
pub fn build_guests() -> PathBuf {
    let root = repo_root();
    let out = root.join("target").join("guest");
    let status = Command::new("bash")
        .arg(root.join("guest").join("build.sh"))
        .env("OUT", &out)
        .status()
        .expect("run guest/build.sh");
    assert!(status.success(), "guest/build.sh failed");
    out
}

/// Names of the built RV64 programs, sorted.
pub fn program_names(out: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(out.join("rv64"))
        .expect("read rv64 output directory")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".elf").map(str::to_owned)
        })
        .collect();
    names.sort();
    names
}

/// A `0x`-prefixed hexadecimal number (panics on anything else).
pub fn parse_hex(text: &str) -> u64 {
    let text = text.trim();
    let digits = text.strip_prefix("0x").unwrap_or_else(|| panic!("not a 0x number: {text:?}"));
    u64::from_str_radix(digits, 16).unwrap_or_else(|e| panic!("bad number {text:?}: {e}"))
}

/// Runs the native build of a program with one argument and returns its stdout.
pub fn run_native(exe: &Path, arg: &str) -> String {
    let output = Command::new(exe).arg(arg).output().unwrap_or_else(|e| panic!("run {exe:?}: {e}"));
    assert!(
        output.status.success(),
        "{exe:?} {arg} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

/// The native result of `bench(n)`.
pub fn native_result(out: &Path, name: &str, n: u64) -> u64 {
    parse_hex(&run_native(&out.join("native").join(name), &n.to_string()))
}

/// A PolkaVM 0.37 interpreter module for one blob.
pub struct PolkaVmGuest {
    engine: Engine,
    module: Module,
}

impl PolkaVmGuest {
    /// Loads `blob` (PolkaVM rejecting it is a test failure, reported with `what`).
    pub fn new(blob: Vec<u8>, what: &str) -> Self {
        let mut config = polkavm::Config::new();
        config.set_backend(Some(BackendKind::Interpreter));
        let engine = Engine::new(&config).expect("polkavm engine");
        let mut module_config = ModuleConfig::new();
        module_config.set_gas_metering(None::<GasMeteringKind>);
        let module = Module::new(&engine, &module_config, blob.into())
            .unwrap_or_else(|e| panic!("PolkaVM rejected {what}: {e}"));
        PolkaVmGuest { engine, module }
    }

    /// `bench(n)` on a fresh instance.
    pub fn run(&self, n: u64) -> u64 {
        let _ = &self.engine;
        let mut linker: Linker = Linker::new();
        linker
            .define_typed("gannet_host_mix", |_caller: Caller, x: u64| -> u64 { gannet_host_mix(x) })
            .expect("define gannet_host_mix");
        let mut instance = linker
            .instantiate_pre(&self.module)
            .expect("resolve imports")
            .instantiate()
            .expect("instantiate");
        instance.call_typed_and_get_result::<u64, (u64,)>(&mut (), "bench", (n,)).expect("call bench")
    }
}

/// `bench(n)` on Gannet's interpreter, on a fresh instance of `blob`.
pub fn run_gannet(blob: &[u8], n: u64) -> Result<u64, String> {
    use vm::{Caller, Engine, ExitReason, Imports, Instance, Module, ProgramImage};
    let parsed = isa::blob::ProgramBlob::parse(blob).map_err(|e| format!("parse: {e}"))?;
    let engine = Engine::new(&vm::Config::new()).map_err(|e| e.to_string())?;
    let image = ProgramImage::from_polkavm(&parsed).map_err(|e| format!("layout: {e}"))?;
    let module = Module::new(&engine, image).map_err(|e| e.to_string())?;
    let mut instance = Instance::new(&module).map_err(|e| e.to_string())?;
    let mut imports = Imports::<()>::new();
    imports.func("gannet_host_mix", |_: &mut Caller<'_, ()>, x: u64| -> u64 { gannet_host_mix(x) });
    instance.set_gas(i64::MAX);
    let outcome = instance.call(&imports, &mut (), "bench", &[n]).map_err(|e| e.to_string())?;
    if outcome.exit != ExitReason::Halt {
        return Err(format!("exit {:?}", outcome.exit));
    }
    Ok(outcome.a0)
}

/// One line of `guest/programs/expected.txt`: `(default_n, bench(default_n), small_n,
/// bench(small_n))`, by program name.
pub fn expected_results(root: &Path) -> std::collections::BTreeMap<String, (u64, u64, u64, u64)> {
    let path = root.join("guest").join("programs").join("expected.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path:?}: {e}"));
    let mut table = std::collections::BTreeMap::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(f.len(), 5, "malformed line in expected.txt: {line:?}");
        let number = |s: &str| s.parse::<u64>().unwrap_or_else(|e| panic!("bad argument {s:?}: {e}"));
        table.insert(f[0].to_owned(), (number(f[1]), parse_hex(f[2]), number(f[3]), parse_hex(f[4])));
    }
    table
}

/// `bench(n)` on Gannet with the given dispatch, on a fresh instance of `blob` (of either
/// width): the result and the gas the call used.
pub fn run_gannet_metered(blob: &[u8], n: u64, dispatch: vm::Dispatch) -> Result<(u64, i64), String> {
    let mut config = vm::Config::new();
    config.set_dispatch(dispatch);
    run_gannet_with(blob, n, &config)
}

/// As [`run_gannet_metered`], on the compiler backend.
#[allow(dead_code)]
pub fn run_gannet_compiled(blob: &[u8], n: u64) -> Result<(u64, i64), String> {
    let mut config = vm::Config::new();
    config.set_backend(vm::Backend::Compiler);
    run_gannet_with(blob, n, &config)
}

/// `bench(n)` on a fresh instance of `blob` with `config`: the result and the gas used.
pub fn run_gannet_with(blob: &[u8], n: u64, config: &vm::Config) -> Result<(u64, i64), String> {
    use vm::{Caller, Engine, ExitReason, Imports, Instance, Module, ProgramImage};
    let parsed = isa::blob::ProgramBlob::parse(blob).map_err(|e| format!("parse: {e}"))?;
    let engine = Engine::new(config).map_err(|e| e.to_string())?;
    let image = ProgramImage::from_polkavm(&parsed).map_err(|e| format!("layout: {e}"))?;
    let module = Module::new(&engine, image).map_err(|e| e.to_string())?;
    let mut instance = Instance::new(&module).map_err(|e| e.to_string())?;
    let mut imports = Imports::<()>::new();
    imports.func("gannet_host_mix", |_: &mut Caller<'_, ()>, x: u64| -> u64 { gannet_host_mix(x) });
    let budget = i64::MAX / 2;
    instance.set_gas(budget);
    let outcome = instance.call(&imports, &mut (), "bench", &[n]).map_err(|e| e.to_string())?;
    if outcome.exit != ExitReason::Halt {
        return Err(format!("exit {:?}", outcome.exit));
    }
    Ok((outcome.a0, budget - outcome.gas))
}

/// `bench(n)` on PolkaVM 0.37's interpreter with synchronous gas metering, on a fresh instance
/// of `blob`: the result and the gas the call used.
pub fn run_polkavm_metered(blob: &[u8], n: u64) -> Result<(u64, i64), String> {
    let mut config = polkavm::Config::new();
    config.set_backend(Some(BackendKind::Interpreter));
    let engine = Engine::new(&config).map_err(|e| e.to_string())?;
    let mut module_config = ModuleConfig::new();
    module_config.set_gas_metering(Some(GasMeteringKind::Sync));
    let module = Module::new(&engine, &module_config, blob.to_vec().into()).map_err(|e| e.to_string())?;
    let mut linker: Linker = Linker::new();
    linker
        .define_typed("gannet_host_mix", |_caller: Caller, x: u64| -> u64 { gannet_host_mix(x) })
        .map_err(|e| e.to_string())?;
    let mut instance = linker
        .instantiate_pre(&module)
        .map_err(|e| e.to_string())?
        .instantiate()
        .map_err(|e| e.to_string())?;
    let budget = i64::MAX / 2;
    instance.set_gas(budget);
    let result = instance
        .call_typed_and_get_result::<u64, (u64,)>(&mut (), "bench", (n,))
        .map_err(|e| format!("{e:?}"))?;
    Ok((result, budget - instance.gas()))
}
