//! Gannet's interpreter (threaded dispatch, the default) and compiler, gas metering on as
//! always.

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};
use vm::{Backend, Caller, Config, Engine, ExitReason, GasMetering, Imports, Instance, Module, ProgramImage};

use super::{gannet_host_mix, linked_blob, Input, Prepared, Vm};
use crate::suite::GuestBuild;

/// Gannet, on one backend.
pub struct Gannet {
    engine: Engine,
    backend: Backend,
    /// How gas is metered; `None`: not at all (the unmetered compiler exists to measure what
    /// metering costs).
    metering: Option<GasMetering>,
}

impl Gannet {
    /// The interpreter with the default configuration.
    pub fn interpreter() -> Result<Gannet> {
        let metering = Some(GasMetering::Sync);
        Ok(Gannet { engine: Engine::new(&Config::new())?, backend: Backend::Interpreter, metering })
    }

    /// The x86-64 compiler with `metering` (an error where it is not supported). `Async` is
    /// only measured when asked for by name.
    pub fn compiler(metering: GasMetering) -> Result<Gannet> {
        let mut config = Config::new();
        config.set_backend(Backend::Compiler).set_gas_metering(metering);
        Ok(Gannet { engine: Engine::new(&config)?, backend: Backend::Compiler, metering: Some(metering) })
    }

    /// The compiler without gas metering (`CostModel::Free`: no gas code at all), to measure
    /// what `Sync` metering costs. Only measured when asked for by name.
    pub fn compiler_unmetered() -> Result<Gannet> {
        let mut config = Config::new();
        config.set_backend(Backend::Compiler);
        config.cost_model = isa::gas::CostModel::Free;
        Ok(Gannet { engine: Engine::new(&config)?, backend: Backend::Compiler, metering: None })
    }
}

impl Vm for Gannet {
    fn name(&self) -> &'static str {
        match (self.backend, self.metering) {
            (Backend::Compiler, Some(GasMetering::Sync)) => "gannet-jit",
            (Backend::Compiler, Some(GasMetering::Async)) => "gannet-jit-async",
            (Backend::Compiler, None) => "gannet-jit-unmetered",
            _ => "gannet-interp",
        }
    }

    fn describe(&self) -> String {
        match (self.backend, self.metering) {
            (Backend::Compiler, Some(GasMetering::Sync)) => {
                "Gannet x86-64 compiler, gas metered per basic block (sync)".to_owned()
            }
            (Backend::Compiler, Some(GasMetering::Async)) => {
                "Gannet x86-64 compiler, gas metered per basic block (async: charges trap)".to_owned()
            }
            (Backend::Compiler, None) => "Gannet x86-64 compiler without gas metering".to_owned(),
            _ => "Gannet interpreter (threaded dispatch), gas metered per basic block".to_owned(),
        }
    }

    fn on_request_only(&self) -> bool {
        self.metering != Some(GasMetering::Sync)
    }

    fn input(&self, build: &GuestBuild, program: &str) -> Result<Input> {
        linked_blob(build, program)
    }

    fn prepare(&self, input: &Input) -> Result<Box<dyn Prepared>> {
        let blob = isa::blob::ProgramBlob::parse(&input.bytes).map_err(|e| anyhow!("parse: {e}"))?;
        let code_bytes = blob.code.code.len();
        let image = ProgramImage::from_polkavm(&blob).map_err(|e| anyhow!("layout: {e}"))?;
        let module = Module::new(&self.engine, image)?;
        let mut imports = Imports::<()>::new();
        imports.func("gannet_host_mix", |_: &mut Caller<'_, ()>, x: u64| -> u64 { gannet_host_mix(x) });
        Ok(Box::new(GannetProgram { module, imports, code_bytes }))
    }
}

struct GannetProgram {
    module: Module,
    imports: Imports<()>,
    code_bytes: usize,
}

impl Prepared for GannetProgram {
    fn code_bytes(&self) -> usize {
        self.code_bytes
    }

    fn run(&mut self, n: u64) -> Result<(u64, Duration)> {
        let mut instance = Instance::new(&self.module)?;
        instance.set_gas(i64::MAX);
        let start = Instant::now();
        let outcome = instance.call(&self.imports, &mut (), "bench", &[n])?;
        let elapsed = start.elapsed();
        if outcome.exit != ExitReason::Halt {
            bail!("stopped with {:?}", outcome.exit);
        }
        Ok((outcome.a0, elapsed))
    }
}
