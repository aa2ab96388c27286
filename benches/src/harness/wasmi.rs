//! wasmi 2 on the wasm32 build of the same C (clang-19), eager compilation, fuel metering on
//! (wasmi's analogue of gas).

use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use wasmi::{CompilationMode, Config, Engine, Linker, Module, Store, TypedFunc};

use super::{gannet_host_mix, Input, Prepared, Vm};
use crate::suite::GuestBuild;

/// wasmi with eager compilation and fuel.
pub struct Wasmi {
    engine: Engine,
}

impl Wasmi {
    /// An engine: eager translation (so the compile step is measured in full), fuel on.
    pub fn new() -> Wasmi {
        let mut config = Config::default();
        config.compilation_mode(CompilationMode::Eager);
        config.consume_fuel(true);
        Wasmi { engine: Engine::new(&config) }
    }
}

impl Vm for Wasmi {
    fn name(&self) -> &'static str {
        "wasmi"
    }

    fn describe(&self) -> String {
        "wasmi 2.0 on the wasm32 build (clang-19 -O2), eager compilation, fuel metering on".to_owned()
    }

    fn input(&self, build: &GuestBuild, program: &str) -> Result<Input> {
        let path = build.wasm(program);
        let bytes = GuestBuild::read(&path)?;
        Ok(Input { path, bytes })
    }

    fn prepare(&self, input: &Input) -> Result<Box<dyn Prepared>> {
        let module = Module::new(&self.engine, &input.bytes)
            .map_err(|e| anyhow!("wasmi rejected {}: {e}", input.path.display()))?;
        let code_bytes = wasm_code_section_len(&input.bytes)
            .ok_or_else(|| anyhow!("{}: no code section", input.path.display()))?;
        Ok(Box::new(WasmiProgram { engine: self.engine.clone(), module, code_bytes }))
    }
}

struct WasmiProgram {
    engine: Engine,
    module: Module,
    code_bytes: usize,
}

impl Prepared for WasmiProgram {
    fn code_bytes(&self) -> usize {
        self.code_bytes
    }

    fn run(&mut self, n: u64) -> Result<(u64, Duration)> {
        let mut store = Store::new(&self.engine, ());
        store.set_fuel(u64::MAX).map_err(|e| anyhow!("set fuel: {e}"))?;
        let mut linker = Linker::<()>::new(&self.engine);
        linker
            .func_wrap("env", "gannet_host_mix", |x: i64| -> i64 { gannet_host_mix(x as u64) as i64 })
            .map_err(|e| anyhow!("define gannet_host_mix: {e}"))?;
        let instance = linker
            .instantiate_and_start(&mut store, &self.module)
            .map_err(|e| anyhow!("instantiate: {e}"))?;
        let bench: TypedFunc<i64, i64> =
            instance.get_typed_func(&store, "bench").map_err(|e| anyhow!("export bench: {e}"))?;
        let start = Instant::now();
        let result = bench.call(&mut store, n as i64);
        let elapsed = start.elapsed();
        let value = result.map_err(|e| anyhow!("call bench: {e}"))?;
        Ok((value as u64, elapsed))
    }
}

/// Size of a wasm module's code section (id 10), from the section headers.
fn wasm_code_section_len(bytes: &[u8]) -> Option<usize> {
    let mut at = 8; // magic and version
    while at < bytes.len() {
        let id = bytes[at];
        let (size, used) = leb128_u32(bytes.get(at + 1..)?)?;
        at += 1 + used;
        if id == 10 {
            return Some(size as usize);
        }
        at = at.checked_add(size as usize)?;
    }
    None
}

fn leb128_u32(bytes: &[u8]) -> Option<(u32, usize)> {
    let mut value = 0u32;
    for (i, &byte) in bytes.iter().enumerate().take(5) {
        value |= u32::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_code_section() {
        // magic, version, type section (id 1, 2 bytes), code section (id 10, 0x81 0x01 = 129).
        let mut module = b"\0asm\x01\0\0\0\x01\x02\xaa\xbb\x0a\x81\x01".to_vec();
        module.extend(std::iter::repeat_n(0, 129));
        assert_eq!(wasm_code_section_len(&module), Some(129));
        assert_eq!(wasm_code_section_len(b"\0asm\x01\0\0\0"), None);
    }
}
